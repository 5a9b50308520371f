package com.tracesentinel.investigate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.tracesentinel.history.RingStore.Edge;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The pure parts of rings and cases: connected groups, ring ids, the ranking, the case transitions. */
class RingGroupsTest {
  @Test
  void groupsAreTheConnectedComponents() {
    List<Edge> edges = List.of(new Edge("A", "B", 5), new Edge("C", "D", 4), new Edge("B", "E", 3),
        new Edge("X", "Y", 9), new Edge("D", "F", 3), new Edge("E", "A", 7));
    List<Rings.Group> groups = Rings.groups(edges);
    assertEquals(3, groups.size());
    assertEquals(List.of("A", "B", "E"), groups.get(0).sites());
    assertEquals(List.of(0, 2, 5), groups.get(0).edges());
    assertEquals(List.of("C", "D", "F"), groups.get(1).sites());
    assertEquals(List.of("X", "Y"), groups.get(2).sites());
    assertEquals(List.of(), Rings.groups(List.of()));
  }

  @Test
  void aLongChainAndRandomGraphsAgreeWithASearch() {
    Random random = new Random(3);
    for (int round = 0; round < 50; round++) {
      int n = 2 + random.nextInt(60);
      List<Edge> edges = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int a = random.nextInt(80);
        int b = random.nextInt(80);
        if (a != b) {
          edges.add(new Edge("S" + Math.min(a, b), "S" + Math.max(a, b), 3));
        }
      }
      List<Rings.Group> groups = Rings.groups(edges);
      Set<String> seen = new TreeSet<>();
      int edgeCount = 0;
      for (Rings.Group g : groups) {
        // every edge of a group joins two of its sites, and the group is connected (a search from its first site)
        Set<String> members = new TreeSet<>(g.sites());
        Set<String> reached = new TreeSet<>(List.of(g.sites().get(0)));
        boolean grew = true;
        while (grew) {
          grew = false;
          for (Edge e : edges) {
            if (reached.contains(e.a()) != reached.contains(e.b())) {
              grew |= reached.add(e.a()) | reached.add(e.b());
            }
          }
        }
        assertEquals(members, reached);
        for (int i : g.edges()) {
          assertEquals(true, members.contains(edges.get(i).a()) && members.contains(edges.get(i).b()));
        }
        edgeCount += g.edges().size();
        g.sites().forEach(s -> assertEquals(true, seen.add(s), "a site in one group only"));
      }
      assertEquals(edges.size(), edgeCount);
    }
  }

  @Test
  void aRingsIdDependsOnItsSitesOnly() {
    assertEquals(Rings.id(List.of("A", "B")), Rings.id(List.of("A", "B")));
    assertNotEquals(Rings.id(List.of("A", "B")), Rings.id(List.of("A", "C")));
    assertNotEquals(Rings.id(List.of("AB", "C")), Rings.id(List.of("A", "BC")));
  }

  @Test
  void ringsRankBySharedCodesThenSitesThenCities() {
    Rings.Ring small = ring("R1", 10, 2, 1);
    Rings.Ring wide = ring("R2", 10, 3, 1);
    Rings.Ring far = ring("R3", 10, 3, 2);
    Rings.Ring big = ring("R4", 11, 2, 1);
    List<Rings.Ring> list = new ArrayList<>(List.of(small, wide, far, big));
    list.sort(Rings.RANKING);
    assertEquals(List.of(big, far, wide, small), list);
  }

  private static Rings.Ring ring(String id, long codes, int sites, int cities) {
    List<Rings.RingSite> s = new ArrayList<>();
    for (int i = 0; i < sites; i++) {
      s.add(new Rings.RingSite(id + i, null, null));
    }
    return new Rings.Ring(id, s, List.of(), codes, cities, List.of());
  }

  @Test
  void caseTransitions() {
    // Any state to any other; never to itself, never to a state that does not exist.
    for (CaseState from : CaseState.values()) {
      for (CaseState to : CaseState.values()) {
        String refusal = CaseState.refusal(from.name(), to.name());
        assertEquals(from == to, refusal != null, from + "→" + to + ": " + refusal);
      }
    }
    assertNotEquals(null, CaseState.refusal("OPEN", "CLOSED"));
    assertNotEquals(null, CaseState.refusal("CLOSED", "OPEN"));
    assertEquals(CaseState.UNDER_REVIEW, CaseState.parse(" under_review "));
    assertNull(CaseState.parse("CLOSED"));
  }
}
