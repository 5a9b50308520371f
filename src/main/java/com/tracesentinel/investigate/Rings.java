package com.tracesentinel.investigate;

import com.tracesentinel.history.RingStore;
import com.tracesentinel.history.RingStore.Edge;
import com.tracesentinel.history.RingStore.RingCodes;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Code-sharing rings: the connected groups of the site graph whose edges join two sites that sold at least
 * {@code minShared} of the same codes in a range. The edges come from {@link RingStore} (counted in PostgreSQL from
 * rows kept up to date as anomalies are committed); the groups are found here, per query, by union-find.
 */
public final class Rings {
  /** Most edges one query considers, the heaviest first (a ring bigger than this is cut at its lightest edges). */
  public static final int MAX_EDGES = 5_000;
  /** Sample codes given per ring. */
  public static final int SAMPLES = 5;

  private final RingStore store;
  private final ReferenceStore reference;

  public Rings(RingStore store, ReferenceStore reference) {
    this.store = store;
    this.reference = reference;
  }

  public record RingSite(String siteId, String name, String region) {}

  public record Ring(String id, List<RingSite> sites, List<Edge> edges, long sharedCodes, int cities,
                     List<String> sampleCodes) {}

  public record Neighbour(RingSite site, long sharedCodes) {}

  /** A connected group: its sites (sorted) and the indexes of its edges in the list it was found in. */
  record Group(List<String> sites, List<Integer> edges) {}

  /**
   * The rings over {@code [from, to)} (either may be null: unbounded), those with a site in {@code region} (a prefix
   * of the region code; null: all), ranked by shared codes, then sites, then cities spanned; at most {@code limit}.
   */
  public Future<List<Ring>> find(long minShared, Instant from, Instant to, String region, int limit) {
    return store.edges(minShared, from, to, MAX_EDGES).compose(edges -> {
      List<Group> groups = new ArrayList<>();
      for (Group g : groups(edges)) {
        if (region == null || g.sites().stream().anyMatch(s -> regionOf(s).startsWith(region))) {
          groups.add(g);
        }
      }
      List<Edge> kept = new ArrayList<>();
      List<Integer> ringOf = new ArrayList<>();
      for (int r = 0; r < groups.size(); r++) {
        for (int e : groups.get(r).edges()) {
          kept.add(edges.get(e));
          ringOf.add(r);
        }
      }
      int[] rings = ringOf.stream().mapToInt(Integer::intValue).toArray();
      return store.ringCodes(kept, rings, from, to, SAMPLES).map(codes -> {
        List<Ring> out = new ArrayList<>(groups.size());
        for (int r = 0; r < groups.size(); r++) {
          Group g = groups.get(r);
          List<Edge> ringEdges = new ArrayList<>();
          g.edges().forEach(e -> ringEdges.add(edges.get(e)));
          ringEdges.sort(Comparator.comparingLong(Edge::shared).reversed().thenComparing(Edge::a)
              .thenComparing(Edge::b));
          RingCodes c = codes.getOrDefault(r, new RingCodes(0, List.of()));
          out.add(new Ring(id(g.sites()), g.sites().stream().map(this::site).toList(), ringEdges, c.codes(),
              cities(g.sites()), c.samples()));
        }
        out.sort(RANKING);
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
      });
    });
  }

  /** Shared codes, then sites, then cities spanned, largest first; the id breaks ties so the order is stable. */
  static final Comparator<Ring> RANKING = Comparator.comparingLong(Ring::sharedCodes).reversed()
      .thenComparing(Comparator.comparingInt((Ring r) -> r.sites().size()).reversed())
      .thenComparing(Comparator.comparingInt(Ring::cities).reversed())
      .thenComparing(Ring::id);

  /** One site's neighbours: the sites it shares codes with in the range, most first. */
  public Future<List<Neighbour>> neighbours(String siteId, Instant from, Instant to, int limit) {
    return store.neighbours(siteId, from, to, limit).map(list -> list.stream()
        .map(n -> new Neighbour(site(n.siteId()), n.shared())).toList());
  }

  public RingSite site(String siteId) {
    Site s = reference.siteById(siteId);
    return s == null ? new RingSite(siteId, null, null) : new RingSite(siteId, s.name(), s.regionCode());
  }

  private String regionOf(String siteId) {
    Site s = reference.siteById(siteId);
    return s == null ? "" : s.regionCode();
  }

  /** Distinct cities (the first 4 digits of a region code) among the sites; a site not registered counts none. */
  int cities(List<String> sites) {
    Set<String> cities = new HashSet<>();
    for (String s : sites) {
      String region = regionOf(s);
      if (region.length() >= 4) {
        cities.add(region.substring(0, 4));
      }
    }
    return cities.size();
  }

  /** The connected groups of a list of edges (union-find with path halving and union by size). */
  static List<Group> groups(List<Edge> edges) {
    Map<String, Integer> index = new HashMap<>();
    List<String> names = new ArrayList<>();
    for (Edge e : edges) {
      for (String s : new String[] {e.a(), e.b()}) {
        if (index.putIfAbsent(s, names.size()) == null) {
          names.add(s);
        }
      }
    }
    int[] parent = new int[names.size()];
    int[] size = new int[names.size()];
    for (int i = 0; i < parent.length; i++) {
      parent[i] = i;
      size[i] = 1;
    }
    for (Edge e : edges) {
      int a = find(parent, index.get(e.a()));
      int b = find(parent, index.get(e.b()));
      if (a != b) {
        if (size[a] < size[b]) {
          int t = a;
          a = b;
          b = t;
        }
        parent[b] = a;
        size[a] += size[b];
      }
    }
    Map<Integer, TreeSet<String>> sites = new HashMap<>();
    Map<Integer, List<Integer>> edgesOf = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      sites.computeIfAbsent(find(parent, i), k -> new TreeSet<>()).add(names.get(i));
    }
    for (int i = 0; i < edges.size(); i++) {
      edgesOf.computeIfAbsent(find(parent, index.get(edges.get(i).a())), k -> new ArrayList<>()).add(i);
    }
    List<Group> out = new ArrayList<>();
    sites.forEach((root, members) -> out.add(new Group(List.copyOf(members), edgesOf.get(root))));
    out.sort(Comparator.comparing(g -> g.sites().get(0)));
    return out;
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  /** A ring's id: the same sites give the same id in every query ("R" and 10 hex digits of their SHA-256). */
  static String id(List<String> sortedSites) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] d = sha.digest(String.join("\n", sortedSites).getBytes(StandardCharsets.UTF_8));
      return "R" + HexFormat.of().formatHex(d, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
