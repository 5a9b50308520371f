package com.tracesentinel.rules;

import static com.tracesentinel.rules.AnomalyType.*;
import static com.tracesentinel.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Returns: they undo the open sale at the same site within the return window, else RETURN_MISMATCH. */
class LadderReturnTest {

  private final Ladder ladder = new Ladder(LadderSettings.DEFAULTS);
  private final Chain chain = new Chain(ladder, REF);

  @Test
  void returnAtTheSellingSiteWithinTheWindowUndoesTheSale() {
    chain.then(sale(SZ1, T0).product(PACK10).settled());
    Verdict v = chain.then(giveBack(SZ1, T0 + DAY).product(PACK10));
    assertFalse(v.flagged());
    CodeState s = v.next();
    assertEquals(0, s.saleCount());
    assertEquals(0, s.soldUnits());
    assertNull(s.lastSale());
    assertFalse(s.lastSaleSplit());
    assertFalse(s.lastSaleReimbursed());
    assertEquals(0, s.distinctSaleSites());
    assertFalse(s.hasOpenSale());
  }

  @Test
  void returnExactlyAtTheEndOfTheWindowIsValid() {
    chain.then(sale(SZ1, T0));
    assertFalse(chain.then(giveBack(SZ1, T0 + 10 * DAY)).flagged());
    assertEquals(0, chain.state.saleCount());
  }

  @Test
  void returnInTheSameSecondAsTheSaleIsValid() {
    chain.then(sale(SZ1, T0));
    assertFalse(chain.then(giveBack(SZ1, T0)).flagged());
  }

  @Test
  void returnTenDaysAndOneSecondAfterTheSaleIsAReturnMismatch() {
    chain.then(sale(SZ1, T0));
    CodeState before = chain.state;
    Verdict v = chain.then(giveBack(SZ1, T0 + 10 * DAY + 1));
    Anomaly a = assertOnly(v, RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertEquals("returned 10 d 0 h 0 min 1 s after the sale, past the 10 d window: "
        + "sold at P44030500077 on 2026-11-20T02:11:00Z", a.detail());
    assertSame(before, v.next());
  }

  @Test
  void returnDatedOneSecondBeforeTheSaleIsAReturnMismatch() {
    chain.then(sale(SZ1, T0));
    Anomaly a = assertOnly(chain.then(giveBack(SZ1, T0 - 1)), RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertTrue(a.detail().startsWith("return dated 1 s before the sale"), a.detail());
    assertEquals(1, chain.state.saleCount());
  }

  @Test
  void returnAtAnotherSiteIsAReturnMismatch() {
    chain.then(sale(SZ1, T0));
    Anomaly a = assertOnly(chain.then(giveBack(SZ2, T0 + HOUR)), RETURN_MISMATCH, Suspicion.IRREGULAR,
        Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertTrue(a.detail().contains("another site"), a.detail());
    assertEquals(1, chain.state.saleCount());
  }

  @Test
  void returnOfANeverSoldCodeIsAReturnMismatchWithNothingToConflictWith() {
    Verdict v = chain.then(giveBack(SZ1, T0));
    Anomaly a = assertOnly(v, RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
    assertNull(a.conflictsWith());
    assertEquals("no open sale to return", a.detail());
    assertEquals(CodeState.NEW, v.next());
  }

  @Test
  void returnAfterAReturnIsAReturnMismatch() {
    chain.cleanThen(sale(SZ1, T0), giveBack(SZ1, T0 + HOUR));
    Anomaly a = assertOnly(chain.then(giveBack(SZ1, T0 + 2 * HOUR)), RETURN_MISMATCH, Suspicion.IRREGULAR,
        Level.ALERT);
    assertNull(a.conflictsWith());
  }

  @Test
  void saleAgainAfterAReturnIsAccepted() {
    Verdict v = chain.cleanThen(sale(SZ1, T0), giveBack(SZ1, T0 + HOUR), sale(SZ1, T0 + DAY));
    assertFalse(v.flagged());
    assertEquals(1, v.next().saleCount());
    assertEquals(1, v.next().distinctSaleSites());
    assertEquals(at(SZ1, T0 + DAY), v.next().lastSale());
  }

  @Test
  void saleAgainRightAfterAReturnIsNotADoubleScan() {
    Verdict v = chain.cleanThen(sale(SZ1, T0), giveBack(SZ1, T0 + MIN), sale(SZ1, T0 + 2 * MIN));
    assertFalse(v.flagged());
  }

  @Test
  void saleAtAnotherSiteAfterAReturnIsAccepted() {
    Verdict v = chain.cleanThen(sale(SZ1, T0), giveBack(SZ1, T0 + HOUR), sale(GZ, T0 + 2 * HOUR));
    assertFalse(v.flagged());
    assertEquals(1, v.next().distinctSaleSites(), "the returned sale's site no longer has a sale");
  }

  @Test
  void returnAfterARepeatSaleUndoesOneSaleAndLeavesTheCodeSold() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ1, T0 + HOUR));
    Verdict v = chain.then(giveBack(SZ1, T0 + 2 * HOUR));
    assertFalse(v.flagged());
    assertEquals(1, v.next().saleCount());
    assertEquals(1, v.next().soldUnits());
    assertEquals(at(SZ1, T0 + HOUR), v.next().lastSale());
    assertTrue(v.next().hasOpenSale());
    assertOnly(chain.then(sale(SZ1, T0 + DAY)), REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
  }

  @Test
  void returnOfASplitSaleGivesBackItsQuantity() {
    chain.cleanThen(split(SZ1, T0, 3), split(SZ1, T0 + HOUR, 4));
    Verdict first = chain.then(giveBackSplit(SZ1, T0 + 2 * HOUR, 4));
    assertFalse(first.flagged());
    assertEquals(1, first.next().saleCount());
    assertEquals(3, first.next().soldUnits());
    assertTrue(first.next().lastSaleSplit());
    Verdict second = chain.then(giveBackSplit(SZ1, T0 + 3 * HOUR, 3));
    assertFalse(second.flagged());
    assertEquals(0, second.next().saleCount());
    assertEquals(0, second.next().soldUnits());
    assertFalse(second.next().lastSaleSplit());
    assertNull(second.next().lastSale());
  }

  @Test
  void returnOfAWholeBoxSaleGivesBackThePackSizeFlooredAtZero() {
    CodeState odd = state(2, 4, 1, at(SZ1, T0), false, 0, false);
    Verdict v = ladder.judge(odd, giveBack(SZ1, T0 + HOUR).product(PACK10).facts(), REF);
    assertFalse(v.flagged());
    assertEquals(1, v.next().saleCount());
    assertEquals(0, v.next().soldUnits());
  }

  @Test
  void returnOfASplitSaleWithoutQuantityGivesBackOneUnit() {
    chain.then(split(SZ1, T0, 3));
    chain.then(split(SZ1, T0 + 1, 3));
    assertEquals(5, chain.then(giveBackSplit(SZ1, T0 + 2, 0)).next().soldUnits());
  }

  /**
   * Both returns were judged against the latest sale, so the second undid the first site's sale (until 2026-12-03):
   * once a return leaves another site's sale open, the next return at its site has no sale to undo.
   */
  @Test
  void aSecondReturnAtARepeatsSiteLeavesTheEarlierSitesSaleOpenAndThatSiteIsNotCountedAgain() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + 2 * DAY));
    chain.cleanThen(giveBack(SZ2, T0 + 3 * DAY));
    assertOnly(chain.then(giveBack(SZ2, T0 + 4 * DAY)), RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
    assertEquals(1, chain.state.saleCount(), "the SZ1 sale stands");
    assertEquals(2, chain.state.distinctSaleSites());
    assertEquals(SZ2.ref(), chain.state.prevSaleSite());
    Verdict v = chain.then(sale(SZ1, T0 + 5 * DAY));
    assertOnly(v, REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(2, v.next().distinctSaleSites(), "SZ1 is not counted again");
  }

  /**
   * "A RETURN undoes the latest open sale of that code at the same site": judged against the latest sale alone, a
   * return at the first of two open sales' sites was a RETURN_MISMATCH (until 2026-12-05).
   */
  @Test
  void returnAtTheSiteOfTheFirstOfTwoOpenSalesUndoesThatSaleAndLeavesTheOtherOpen() {
    chain.then(sale(SZ1, T0).product(PACK10));
    assertOnly(chain.then(sale(SZ2, T0 + HOUR).product(PACK10)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
    assertEquals(at(SZ1, T0), chain.state.prevOpenSale());
    Verdict v = chain.then(giveBack(SZ1, T0 + 2 * HOUR).product(PACK10));
    assertFalse(v.flagged(), () -> "anomalies: " + v.anomalies());
    CodeState s = v.next();
    assertEquals(1, s.saleCount());
    assertEquals(10, s.soldUnits());
    assertEquals(at(SZ2, T0 + HOUR), s.lastSale(), "the Shenzhen sale stays the open one");
    assertTrue(s.hasOpenSale());
    assertNull(s.prevOpenSale());
    assertEquals(2, s.distinctSaleSites());
    assertEquals(s, StateCodec.decode(StateCodec.encode(s, T0)), "the ledger keeps it");

    Anomaly again = assertOnly(chain.then(giveBack(SZ1, T0 + 3 * HOUR)), RETURN_MISMATCH, Suspicion.IRREGULAR,
        Level.ALERT);
    assertEquals(at(SZ2, T0 + HOUR), again.conflictsWith(), "nothing left to return at the first site");
    assertFalse(chain.then(giveBack(SZ2, T0 + 4 * HOUR).product(PACK10)).flagged());
    assertEquals(0, chain.state.saleCount());
    assertEquals(0, chain.state.soldUnits());
    assertNull(chain.state.lastSale());
  }

  @Test
  void aReturnAtTheFirstSiteIsJudgedByItsOwnSalesTimeAndWindow() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + 5 * DAY));
    Anomaly late = assertOnly(chain.then(giveBack(SZ1, T0 + 10 * DAY + 1)), RETURN_MISMATCH, Suspicion.IRREGULAR,
        Level.ALERT);
    assertEquals(at(SZ1, T0), late.conflictsWith());
    assertEquals("returned 10 d 0 h 0 min 1 s after the sale, past the 10 d window: "
        + "sold at P44030500077 on 2026-11-20T02:11:00Z", late.detail());
    Anomaly early = assertOnly(chain.then(giveBack(SZ1, T0 - 1)), RETURN_MISMATCH, Suspicion.IRREGULAR,
        Level.ALERT);
    assertEquals(at(SZ1, T0), early.conflictsWith());
    assertTrue(early.detail().startsWith("return dated 1 s before the sale"), early.detail());
    assertEquals(2, chain.state.saleCount(), "a mismatch undoes nothing");
    assertFalse(chain.then(giveBack(SZ1, T0 + 10 * DAY)).flagged(), "the window's last second");
    assertEquals(1, chain.state.saleCount());
    assertEquals(at(SZ2, T0 + 5 * DAY), chain.state.lastSale());
  }

  /** The one sale left open was the previous site's: which open sale is left, and where, was then "not known". */
  @Test
  void onceTheLatestOfTwoSalesIsReturnedTheOtherIsTheOpenSaleAgain() {
    soldAtTwoSites();
    chain.cleanThen(giveBack(SZ2, T0 + 2 * HOUR));
    CodeState s = chain.state;
    assertFalse(s.openSalesUnknown());
    assertEquals(at(SZ1, T0), s.lastSale());
    assertTrue(s.hasOpenSale());
    assertNull(s.prevOpenSale());
    assertEquals(SZ2.ref(), s.prevSaleSite(), "the two latest sites are still the two remembered");
    assertEquals(2, s.distinctSaleSites());
    assertFalse(chain.then(giveBack(SZ1, T0 + 3 * HOUR)).flagged());
    assertEquals(0, chain.state.saleCount());
    assertNull(chain.state.lastSale());
    assertFalse(chain.then(sale(SZ3, T0 + DAY)).flagged(), "no sale left open: the code sells again cleanly");
  }

  @Test
  void whileTheOpenSalesAreUnknownAReturnAtThePreviousSiteStillUndoesItsSale() {
    soldAtTwoSites();
    chain.then(sale(SZ2, T0 + 2 * HOUR));
    chain.cleanThen(giveBack(SZ2, T0 + 3 * HOUR));
    assertTrue(chain.state.openSalesUnknown(), "an SZ1 and an SZ2 sale left");
    assertFalse(chain.then(giveBack(SZ1, T0 + 4 * HOUR)).flagged());
    assertEquals(1, chain.state.saleCount());
    assertTrue(chain.state.openSalesUnknown(), "the SZ2 sale left is not the one the slot knew");
    assertTypes(chain.then(giveBack(SZ1, T0 + 5 * HOUR)), RETURN_MISMATCH);
  }

  @Test
  void aRepeatAtTheLatestSiteKeepsTheFirstSitesSaleReturnable() {
    soldAtTwoSites();
    assertOnly(chain.then(sale(SZ2, T0 + 2 * HOUR)), REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertFalse(chain.then(giveBack(SZ1, T0 + 3 * HOUR)).flagged());
    assertEquals(2, chain.state.saleCount());
    assertEquals(at(SZ2, T0 + 2 * HOUR), chain.state.lastSale());
    assertFalse(chain.then(giveBack(SZ2, T0 + 4 * HOUR)).flagged(), "the latest Shenzhen sale");
  }

  @Test
  void aDoubleScanAtTheLatestSiteKeepsTheFirstSitesSaleReturnable() {
    soldAtTwoSites();
    assertOnly(chain.then(sale(SZ2, T0 + HOUR + MIN)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
    assertFalse(chain.then(giveBack(SZ1, T0 + 3 * HOUR)).flagged());
    assertEquals(1, chain.state.saleCount());
  }

  /** The slot keeps the two latest sites' sales: with three sites, the first one's sale is no longer known. */
  @Test
  void withThreeSitesOnlyTheTwoLatestSitesSalesCanBeReturned() {
    soldAtTwoSites();
    chain.then(sale(SZ3, T0 + 2 * HOUR));
    assertEquals(at(SZ2, T0 + HOUR), chain.state.prevOpenSale());
    Anomaly a = assertOnly(chain.then(giveBack(SZ1, T0 + 3 * HOUR)), RETURN_MISMATCH, Suspicion.IRREGULAR,
        Level.ALERT);
    assertEquals(at(SZ3, T0 + 2 * HOUR), a.conflictsWith());
    assertFalse(chain.then(giveBack(SZ2, T0 + 4 * HOUR)).flagged());
    assertEquals(2, chain.state.saleCount());
    assertFalse(chain.then(giveBack(SZ3, T0 + 5 * HOUR)).flagged());
    assertEquals(1, chain.state.saleCount(), "the first site's sale stands");
  }

  /**
   * A copied code with 255 scans or more is never replayed for such a return (the replay reads every stored scan of
   * the code on the judging thread): it is a RETURN_MISMATCH that says why, and whatever the history would name changes
   * nothing.
   */
  @Test
  void aCodeWithTwoHundredAndFiftyFiveScansIsNotAskedTheHistoryForAReturn() {
    soldAtTwoSites();
    chain.then(sale(SZ3, T0 + 2 * HOUR));
    CodeState s = chain.state;
    CodeState copied = new CodeState(Ladder.HISTORY_ASKED_BELOW_SCANS, s.saleCount(), s.soldUnits(),
        s.distinctSaleSites(), s.lastSale(), s.lastSaleSplit(), s.lastSaleReimbursed(), s.prevSaleSite(),
        s.destroyed(), s.recentKeys(), s.lastSaleReturned(), s.prevOpenSale(), s.prevOpenSaleSplit());
    ScanFacts back = giveBack(SZ1, T0 + 3 * HOUR).facts();
    CodeState oneLess = new CodeState(Ladder.HISTORY_ASKED_BELOW_SCANS - 1, s.saleCount(), s.soldUnits(),
        s.distinctSaleSites(), s.lastSale(), s.lastSaleSplit(), s.lastSaleReimbursed(), s.prevSaleSite(),
        s.destroyed(), s.recentKeys(), s.lastSaleReturned(), s.prevOpenSale(), s.prevOpenSaleSplit());
    assertTrue(Ladder.asksHistory(oneLess, back));
    assertFalse(Ladder.asksHistory(copied, back));

    Verdict v = ladder.judge(copied, back, REF, new OpenSale(at(SZ1, T0), false));
    assertEquals(1, v.anomalies().size(), v.anomalies().toString());
    Anomaly a = v.anomalies().get(0);
    assertEquals(AnomalyType.RETURN_MISMATCH, a.type());
    assertTrue(a.detail().startsWith("which open sale this returns is not looked up: the code has 255 scans or more;"
        + " the open sale the state holds was sold at "), a.detail());
    assertEquals(at(SZ3, T0 + 2 * HOUR), a.conflictsWith());
    assertEquals(copied, v.next(), "nothing changes");
  }

  /** Read from the history for such a return: the latest open sale at its site, judged by its own time. */
  @Test
  void withThreeSitesTheFirstSitesSaleIsReturnedByTheSaleTheHistoryNames() {
    soldAtTwoSites();
    chain.then(sale(SZ3, T0 + 2 * HOUR));
    CodeState three = chain.state;
    ScanFacts back = giveBack(SZ1, T0 + 3 * HOUR).facts();
    assertTrue(Ladder.asksHistory(three, back));
    assertFalse(Ladder.asksHistory(three, giveBack(SZ2, T0 + 3 * HOUR).facts()), "the state holds SZ2's sale");
    Verdict v = ladder.judge(three, back, REF, new OpenSale(at(SZ1, T0), false));
    assertFalse(v.flagged(), v.anomalies().toString());
    assertEquals(2, v.next().saleCount());
    assertEquals(at(SZ3, T0 + 2 * HOUR), v.next().lastSale());
    assertEquals(at(SZ2, T0 + HOUR), v.next().prevOpenSale());

    Verdict late = ladder.judge(three, giveBack(SZ1, T0 + 11 * DAY).facts(), REF, new OpenSale(at(SZ1, T0), false));
    Anomaly a = assertOnly(late, RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertSame(three, late.next());
    assertOnly(ladder.judge(three, back, REF, null), RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
  }

  @Test
  void aSaleAfterTheFirstSitesSaleWasReturnedConflictsWithTheOtherOpenSale() {
    soldAtTwoSites();
    chain.cleanThen(giveBack(SZ1, T0 + 2 * HOUR));
    Anomaly a = assertOnly(chain.then(sale(SZ1, T0 + DAY)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
    assertEquals(at(SZ2, T0 + HOUR), a.conflictsWith());
    assertEquals(at(SZ2, T0 + HOUR), chain.state.prevOpenSale(), "the Shenzhen 2 sale is now the one before");
    assertEquals(2, chain.state.distinctSaleSites(), "SZ1 is not counted again");
  }

  @Test
  void aSplitSaleAtTheFirstSiteGivesBackItsQuantity() {
    chain.then(split(SZ1, T0, 3));
    assertTypes(chain.then(split(SZ2, T0 + HOUR, 4)), SPLIT_ACROSS_SITES);
    assertTrue(chain.state.prevOpenSaleSplit());
    assertFalse(chain.then(giveBackSplit(SZ1, T0 + 2 * HOUR, 3)).flagged());
    assertEquals(1, chain.state.saleCount());
    assertEquals(4, chain.state.soldUnits());
    assertEquals(at(SZ2, T0 + HOUR), chain.state.lastSale());
  }

  @Test
  void aWholeBoxSaleAtTheFirstSiteGivesBackThePackSizeWhenTheLatestIsSplit() {
    chain.then(sale(SZ1, T0).product(PACK10));
    chain.then(split(SZ2, T0 + HOUR, 4));
    assertFalse(chain.state.prevOpenSaleSplit());
    assertFalse(chain.then(giveBack(SZ1, T0 + 2 * HOUR).product(PACK10)).flagged());
    assertEquals(4, chain.state.soldUnits());
  }

  @Test
  void aDestroyedCodesFirstSiteCannotReturnIt() {
    soldAtTwoSites();
    chain.then(destroy(SZ2, T0 + 2 * HOUR));
    Anomaly a = assertOnly(chain.then(giveBack(SZ1, T0 + 3 * HOUR)), RETURN_MISMATCH, Suspicion.IRREGULAR,
        Level.ALERT);
    assertTrue(a.detail().startsWith("nothing to return: destroyed"), a.detail());
  }

  /** SZ1 sells the box, then SZ2 an hour later: both sales open, SZ1's the one before. */
  private void soldAtTwoSites() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + HOUR));
    assertEquals(at(SZ1, T0), chain.state.prevOpenSale());
  }

  @Test
  void returnWindowComesFromTheSettings() {
    Chain c = new Chain(new Ladder(new LadderSettings(Duration.ofMinutes(10), Duration.ofDays(1),
        Duration.ofHours(24), 3)), REF);
    c.then(sale(SZ1, T0));
    assertTypes(c.then(giveBack(SZ1, T0 + DAY + 1)), RETURN_MISMATCH);
    assertFalse(c.then(giveBack(SZ1, T0 + DAY)).flagged());
  }

  @Test
  void returnOfAnUnknownProductWithoutCatalogueUndoesOneUnit() {
    Chain c = new Chain(ladder, NO_CATALOGUE);
    c.then(sale(SZ1, T0).product(UNKNOWN));
    Verdict v = c.then(giveBack(SZ1, T0 + HOUR).product(UNKNOWN));
    assertFalse(v.flagged());
    assertEquals(0, v.next().soldUnits());
  }
}
