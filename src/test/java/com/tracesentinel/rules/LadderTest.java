package com.tracesentinel.rules;

import static com.tracesentinel.rules.AnomalyType.*;
import static com.tracesentinel.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ladder's sale, receive and destroy rows, the independent checks, their order and the robustness promise.
 * Split packs and returns are in {@link LadderSplitTest} and {@link LadderReturnTest}.
 */
class LadderTest {

  private final Ladder ladder = new Ladder(LadderSettings.DEFAULTS);
  private final Chain chain = new Chain(ladder, REF);

  // ---- first sale -----------------------------------------------------------------------------------------------

  @Test
  void firstSaleOfANewCodeIsAcceptedAndBecomesTheOpenSale() {
    Verdict v = chain.then(sale(SZ1, T0).settled());
    assertFalse(v.flagged());
    CodeState s = v.next();
    assertEquals(1, s.saleCount());
    assertEquals(1, s.soldUnits());
    assertEquals(1, s.distinctSaleSites());
    assertEquals(at(SZ1, T0), s.lastSale());
    assertFalse(s.lastSaleSplit());
    assertTrue(s.lastSaleReimbursed());
    assertEquals(0, s.prevSaleSite());
    assertFalse(s.destroyed());
    assertTrue(s.hasOpenSale());
    assertEquals(0, s.scanCount(), "the ladder does not count scans: the caller does");
  }

  @Test
  void wholeBoxSaleSellsThePackSize() {
    Verdict v = chain.then(sale(SZ1, T0).product(PACK10));
    assertFalse(v.flagged());
    assertEquals(10, v.next().soldUnits());
  }

  @Test
  void wholeBoxSaleOfAProductOutsideTheCatalogueSellsOneUnit() {
    Verdict v = new Chain(ladder, NO_CATALOGUE).then(sale(SZ1, T0).product(UNKNOWN));
    assertFalse(v.flagged());
    assertEquals(1, v.next().soldUnits());
  }

  @Test
  void thePackSizeAScanWasJudgedWithCountsOverTheCataloguesOfToday() {
    ScanFacts judgedWithFour = new ScanFacts(EventType.SALE, PACK10, null, SZ1.ref(), T0, 1, false, null, false, 4);
    assertEquals(4, ladder.judge(CodeState.NEW, judgedWithFour, REF).next().soldUnits(),
        "a replay counts what the live judgement counted, though the catalogue now says 10");
    ScanFacts soldAsUnknown = new ScanFacts(EventType.SALE, PACK10, null, SZ1.ref(), T0, 1, false, null, false, 1);
    assertEquals(1, ladder.judge(CodeState.NEW, soldAsUnknown, REF).next().soldUnits(),
        "sold before the product was catalogued: one unit, then and on every replay");
  }

  @Test
  void aCataloguePackSizeBelowOneCountsAsOne() {
    Verdict v = chain.then(sale(SZ1, T0).product(ZEROPACK));
    assertEquals(1, v.next().soldUnits());
  }

  // ---- DOUBLE_SCAN and REPEAT_SALE at the same site --------------------------------------------------------------

  @Test
  void secondSaleAtTheSameSiteWithinTenMinutesIsADoubleScanWarningThatChangesNothing() {
    chain.then(sale(SZ1, T0));
    CodeState before = chain.state;
    Verdict v = chain.then(sale(SZ1, T0 + 5 * MIN));
    Anomaly a = assertOnly(v, DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertEquals("sold at P44030500077 on 2026-11-20T02:11:00Z", a.detail());
    assertSame(before, v.next());
  }

  @Test
  void sameSecondAtTheSameSiteIsADoubleScanAsAnotherLineOfTheSameDocumentWouldBe() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(SZ1, T0)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
  }

  @Test
  void saleExactlyAtTheDoubleScanWindowIsStillADoubleScan() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(SZ1, T0 + 10 * MIN)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
  }

  @Test
  void saleOneSecondPastTheDoubleScanWindowIsARepeatSaleSubstituted() {
    chain.then(sale(SZ1, T0));
    Verdict v = chain.then(sale(SZ1, T0 + 10 * MIN + 1));
    Anomaly a = assertOnly(v, REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertEquals("sold at P44030500077 on 2026-11-20T02:11:00Z", a.detail());
    assertEquals(2, v.next().saleCount());
    assertEquals(2, v.next().soldUnits());
    assertEquals(1, v.next().distinctSaleSites());
    assertEquals(0, v.next().prevSaleSite());
    assertEquals(at(SZ1, T0 + 10 * MIN + 1), v.next().lastSale());
  }

  @Test
  void backDatedSaleAtTheSameSiteWithinTheWindowBeforeTheEarlierOneIsADoubleScan() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(SZ1, T0 - 10 * MIN)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
  }

  @Test
  void backDatedSaleAtTheSameSiteMoreThanTheWindowBeforeTheEarlierOneIsARepeatSale() {
    chain.then(sale(SZ1, T0));
    Verdict v = chain.then(sale(SZ1, T0 - 10 * MIN - 1));
    assertOnly(v, REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(at(SZ1, T0 - 10 * MIN - 1), v.next().lastSale(), "the sale applied last is the anchor");
  }

  @Test
  void aSaleIsJudgedAgainstTheLatestSaleNotTheFirst() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ1, T0 + HOUR));
    Anomaly a = assertOnly(chain.then(sale(SZ1, T0 + HOUR + MIN)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR,
        Level.WARNING);
    assertEquals(at(SZ1, T0 + HOUR), a.conflictsWith());
  }

  @Test
  void doubleScanWindowComesFromTheSettings() {
    Chain c = new Chain(new Ladder(new LadderSettings(Duration.ofMinutes(1), Duration.ofDays(10),
        Duration.ofHours(24), 3)), REF);
    c.then(sale(SZ1, T0));
    assertOnly(c.then(sale(SZ1, T0 + 2 * MIN)), REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
  }

  @Test
  void aFractionalDoubleScanWindowIncludesTheWholeSecondBelowIt() {
    Chain c = new Chain(new Ladder(new LadderSettings(Duration.ofMillis(60_500), Duration.ofDays(10),
        Duration.ofHours(24), 3)), REF);
    c.then(sale(SZ1, T0));
    assertOnly(c.then(sale(SZ1, T0 + 60)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
    assertOnly(c.then(sale(SZ1, T0 + 121)), REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
  }

  // ---- REPEAT_SALE at another site ---------------------------------------------------------------------------------

  @Test
  void saleAtAnotherSiteInTheSameCityIsARepeatSaleDiverted() {
    chain.then(sale(SZ1, T0));
    Verdict v = chain.then(sale(SZ2, T0 + HOUR));
    Anomaly a = assertOnly(v, REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertEquals("sold at P44030500077 on 2026-11-20T02:11:00Z", a.detail());
    CodeState s = v.next();
    assertEquals(2, s.saleCount());
    assertEquals(2, s.distinctSaleSites());
    assertEquals(SZ1.ref(), s.prevSaleSite());
    assertEquals(at(SZ2, T0 + HOUR), s.lastSale());
  }

  @Test
  void saleAtAnotherSiteWithinTheDoubleScanWindowIsNotADoubleScan() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(SZ2, T0 + MIN)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void saleInAnotherCityLessThan24HoursLaterIsCounterfeit() {
    chain.then(sale(SZ1, T0));
    Anomaly a = assertOnly(chain.then(sale(GZ, T0 + DAY - 1)), REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertTrue(a.detail().startsWith("sold at P44030500077 on 2026-11-20T02:11:00Z"), a.detail());
    assertTrue(a.detail().contains("another city"), a.detail());
  }

  @Test
  void saleInAnotherCityExactly24HoursLaterStaysDiverted() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(GZ, T0 + DAY)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void saleInAnotherProvinceLessThan24HoursLaterIsCounterfeit() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(BJ, T0 + HOUR)), REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
  }

  @Test
  void backDatedSaleInAnotherCityLessThan24HoursBeforeIsCounterfeit() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(GZ, T0 - DAY + 1)), REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
  }

  @Test
  void backDatedSaleInAnotherCityExactly24HoursBeforeStaysDiverted() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(GZ, T0 - DAY)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void saleAtAnotherSiteOfTheSameCityWithin24HoursStaysDiverted() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(SZ3, T0 + 1)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void anUnknownSiteIsNeverInADifferentCity() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(sale(UNKNOWN_SITE, T0 + HOUR)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void aSiteWithoutRegionCodeIsNeverInADifferentCity() {
    chain.then(sale(NOREGION, T0));
    assertOnly(chain.then(sale(BJ, T0 + HOUR)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void anUnknownSiteIsNamedByItsRefInTheDetail() {
    chain.then(sale(UNKNOWN_SITE, T0));
    Anomaly a = assertOnly(chain.then(sale(SZ1, T0 + 2 * DAY)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
    assertEquals("sold at site #99 on 2026-11-20T02:11:00Z", a.detail());
  }

  @Test
  void cloneWindowComesFromTheSettings() {
    Chain c = new Chain(new Ladder(new LadderSettings(Duration.ofMinutes(10), Duration.ofDays(10),
        Duration.ofHours(1), 3)), REF);
    c.then(sale(SZ1, T0));
    assertOnly(c.then(sale(GZ, T0 + 2 * HOUR)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void thirdDistinctSaleSiteIsCounterfeitEvenInOneCityDaysApart() {
    chain.then(sale(SZ1, T0));
    Verdict second = chain.then(sale(SZ2, T0 + 2 * DAY));
    assertOnly(second, REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
    Verdict third = chain.then(sale(SZ3, T0 + 4 * DAY));
    Anomaly a = assertOnly(third, REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
    assertEquals(at(SZ2, T0 + 2 * DAY), a.conflictsWith());
    assertTrue(a.detail().contains("3 or more sites"), a.detail());
    assertEquals(3, third.next().distinctSaleSites());
    assertEquals(SZ2.ref(), third.next().prevSaleSite());
  }

  @Test
  void goingBackAndForthBetweenTwoSitesStaysDivertedAndCountsTwoSites() {
    chain.then(sale(SZ1, T0));
    for (int i = 1; i <= 5; i++) {
      Verdict v = chain.then(sale(i % 2 == 1 ? SZ2 : SZ1, T0 + i * 2 * DAY));
      assertOnly(v, REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
      assertEquals(2, v.next().distinctSaleSites(), "after sale " + (i + 1));
    }
  }

  @Test
  void returningToAnEarlierSiteAfterThreeSitesStaysCounterfeit() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + 2 * DAY));
    chain.then(sale(SZ3, T0 + 4 * DAY));
    Verdict v = chain.then(sale(SZ1, T0 + 6 * DAY));
    assertOnly(v, REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
    assertTrue(v.next().distinctSaleSites() >= 3);
  }

  @Test
  void withCounterfeitSiteCountTwoTheSecondSiteIsCounterfeit() {
    Chain c = new Chain(new Ladder(new LadderSettings(Duration.ofMinutes(10), Duration.ofDays(10),
        Duration.ofHours(24), 2)), REF);
    c.then(sale(SZ1, T0));
    assertOnly(c.then(sale(SZ2, T0 + 2 * DAY)), REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
  }

  @Test
  void distinctSaleSitesIsCappedAt255() {
    CodeState full = state(300, 300, 255, at(SZ1, T0), false, SZ2.ref(), false);
    Verdict v = ladder.judge(full, sale(SZ3, T0 + DAY).facts(), REF);
    assertEquals(255, v.next().distinctSaleSites());
  }

  @Test
  void saleCountAndSoldUnitsSaturate() {
    CodeState huge = new CodeState(0, Integer.MAX_VALUE, Integer.MAX_VALUE, 1, at(SZ1, T0), false, false, 0,
        false, 0);
    Verdict v = ladder.judge(huge, sale(SZ1, T0 + DAY).product(PACK10).facts(), REF);
    assertEquals(Integer.MAX_VALUE, v.next().saleCount());
    assertEquals(Integer.MAX_VALUE, v.next().soldUnits());
  }

  // ---- RECEIVE ----------------------------------------------------------------------------------------------------

  @Test
  void receiveOfAnUnsoldCodeIsAcceptedAndChangesNothing() {
    Verdict v = chain.then(receive(SZ1, T0));
    assertFalse(v.flagged());
    assertEquals(CodeState.NEW, v.next());
  }

  @Test
  void receiveOfASoldCodeIsReceivedAfterSaleDiverted() {
    chain.then(sale(SZ1, T0));
    CodeState before = chain.state;
    Verdict v = chain.then(receive(SZ2, T0 + DAY));
    Anomaly a = assertOnly(v, RECEIVED_AFTER_SALE, Suspicion.DIVERTED, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertEquals("sold at P44030500077 on 2026-11-20T02:11:00Z", a.detail());
    assertSame(before, v.next());
  }

  @Test
  void receiveAtTheSellingSiteOfASoldCodeIsReceivedAfterSaleToo() {
    chain.then(sale(SZ1, T0));
    assertOnly(chain.then(receive(SZ1, T0 + MIN)), RECEIVED_AFTER_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  /**
   * Windows and conflicts use the scans' own times, so that a late upload is judged by when it happened: a receipt an
   * offline stock system uploads after the box's sale, dated before it, was a RECEIVED_AFTER_SALE alert (DIVERTED).
   */
  @Test
  void aReceiptDatedBeforeTheOnlySaleIsNotReceivedAfterIt() {
    chain.then(sale(SZ1, T0));
    assertFalse(chain.then(receive(SZ1, T0 - HOUR)).flagged());
    assertFalse(chain.then(receive(SZ2, T0 - 1)).flagged());
    assertOnly(chain.then(receive(SZ1, T0)), RECEIVED_AFTER_SALE, Suspicion.DIVERTED, Level.ALERT);
    chain.then(sale(SZ2, T0 + DAY));
    assertOnly(chain.then(receive(SZ1, T0 + HOUR)), RECEIVED_AFTER_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void receiveOfAReturnedCodeIsAccepted() {
    chain.then(sale(SZ1, T0));
    chain.then(giveBack(SZ1, T0 + HOUR));
    assertFalse(chain.then(receive(SZ2, T0 + DAY)).flagged());
  }

  // ---- DESTROY ----------------------------------------------------------------------------------------------------

  @Test
  void destroyMakesTheCodeTerminalWithTheDestroyAsTheAnchorAndKeepsTheCounters() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + 2 * DAY));
    CodeState before = chain.state;
    Verdict v = chain.then(destroy(GZ, T0 + 3 * DAY));
    assertFalse(v.flagged());
    CodeState s = v.next();
    assertTrue(s.destroyed());
    assertFalse(s.hasOpenSale());
    assertEquals(at(GZ, T0 + 3 * DAY), s.lastSale());
    assertEquals(before.saleCount(), s.saleCount());
    assertEquals(before.soldUnits(), s.soldUnits());
    assertEquals(before.distinctSaleSites(), s.distinctSaleSites());
    assertEquals(before.prevSaleSite(), s.prevSaleSite());
  }

  @Test
  void destroyOfANeverSoldCodeIsAccepted() {
    Verdict v = chain.then(destroy(SZ1, T0));
    assertFalse(v.flagged());
    assertTrue(v.next().destroyed());
    assertEquals(0, v.next().saleCount());
  }

  @Test
  void destroyingADestroyedCodeAgainChangesNothing() {
    chain.then(destroy(SZ1, T0));
    CodeState before = chain.state;
    Verdict v = chain.then(destroy(SZ2, T0 + DAY));
    assertFalse(v.flagged());
    assertSame(before, v.next());
  }

  @Test
  void saleOfADestroyedCodeIsSoldAfterDestroyCounterfeitAndCountsAsEvidence() {
    chain.then(sale(SZ1, T0));
    chain.then(destroy(SZ1, T0 + DAY));
    Verdict v = chain.then(sale(SZ1, T0 + DAY + MIN).product(PACK10));
    Anomaly a = assertOnly(v, SOLD_AFTER_DESTROY, Suspicion.COUNTERFEIT, Level.ALERT);
    assertEquals(at(SZ1, T0 + DAY), a.conflictsWith());
    assertEquals("destroyed at P44030500077 on 2026-11-21T02:11:00Z", a.detail());
    CodeState s = v.next();
    assertEquals(2, s.saleCount());
    assertEquals(11, s.soldUnits());
    assertTrue(s.destroyed());
    assertEquals(at(SZ1, T0 + DAY), s.lastSale(), "the destroy stays the anchor");
    assertEquals(1, s.distinctSaleSites());
  }

  @Test
  void saleOfADestroyedCodeAtAnotherCityIsOnlySoldAfterDestroy() {
    chain.then(sale(SZ1, T0));
    chain.then(destroy(SZ1, T0 + MIN));
    assertTypes(chain.then(sale(BJ, T0 + 2 * MIN)), SOLD_AFTER_DESTROY);
  }

  @Test
  void splitSaleOfADestroyedCodeCountsItsQuantity() {
    chain.then(destroy(SZ1, T0));
    Verdict v = chain.then(split(SZ1, T0 + DAY, 3));
    assertOnly(v, SOLD_AFTER_DESTROY, Suspicion.COUNTERFEIT, Level.ALERT);
    assertEquals(3, v.next().soldUnits());
    assertEquals(1, v.next().saleCount());
    assertFalse(v.next().lastSaleSplit(), "only the evidence counters move");
  }

  @Test
  void receiveOfADestroyedCodeIsSoldAfterDestroyAndChangesNothing() {
    chain.then(destroy(SZ1, T0));
    CodeState before = chain.state;
    Verdict v = chain.then(receive(SZ2, T0 + DAY));
    Anomaly a = assertOnly(v, SOLD_AFTER_DESTROY, Suspicion.COUNTERFEIT, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertSame(before, v.next());
  }

  @Test
  void returnOfADestroyedCodeIsAReturnMismatchAgainstTheDestroy() {
    chain.then(sale(SZ1, T0));
    chain.then(destroy(SZ1, T0 + MIN));
    CodeState before = chain.state;
    Verdict v = chain.then(giveBack(SZ1, T0 + 2 * MIN));
    Anomaly a = assertOnly(v, RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
    assertEquals(at(SZ1, T0 + MIN), a.conflictsWith());
    assertTrue(a.detail().contains("destroyed at P44030500077"), a.detail());
    assertSame(before, v.next());
  }

  /**
   * A copied code sold in Beijing and in Shenzhen: the Shenzhen sale returned, a second RETURN at Shenzhen undid the
   * Beijing sale (the returned sale stayed the anchor), so the code answered "never sold" while a box stood sold.
   * Since 2026-12-05 the Beijing sale, the one left, is the open sale again.
   */
  @Test
  void aSecondReturnAtTheSiteOfAReturnedRepeatDoesNotUndoAnotherSitesSale() {
    chain.then(sale(BJ, T0));
    assertTypes(chain.then(sale(SZ1, T0 + HOUR)), REPEAT_SALE);
    assertFalse(chain.then(giveBack(SZ1, T0 + 2 * HOUR)).flagged(), "the Shenzhen sale is returned");
    assertEquals(1, chain.state.saleCount());
    assertFalse(chain.state.openSalesUnknown());
    assertEquals(at(BJ, T0), chain.state.lastSale(), "the Beijing sale is the open one again");
    assertEquals(SZ1.ref(), chain.state.prevSaleSite());

    CodeState before = chain.state;
    Verdict again = chain.then(giveBack(SZ1, T0 + 3 * HOUR));
    Anomaly a = assertOnly(again, RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT);
    assertEquals(at(BJ, T0), a.conflictsWith());
    assertSame(before, again.next(), "nothing undone: the Beijing sale stays sold");

    Verdict resold = chain.then(sale(GZ, T0 + 4 * HOUR));
    Anomaly r = assertOnly(resold, REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
    assertEquals(at(BJ, T0), r.conflictsWith());
    assertTrue(r.detail().endsWith("now sold at 3 or more sites"), r.detail());
    assertEquals(2, resold.next().saleCount());
    assertEquals(at(GZ, T0 + 4 * HOUR), resold.next().lastSale());
    assertEquals(at(BJ, T0), resold.next().prevOpenSale());
  }

  /**
   * Sold in Shenzhen 1, then Shenzhen 2, the second returned: a sale again in Shenzhen 1 was judged as if at another
   * site (DIVERTED, conflicting with nothing), where the rules say "at the same site, later": SUBSTITUTED.
   */
  @Test
  void afterTheLatestOfTwoSalesIsReturnedTheOtherIsJudgedAsTheOpenSale() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + DAY));
    chain.cleanThen(giveBack(SZ2, T0 + DAY + HOUR));
    CodeState one = chain.state;
    Anomaly resold = assertOnly(chain.then(sale(SZ1, T0 + 2 * DAY)), REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(at(SZ1, T0), resold.conflictsWith());
    chain.state = one;
    assertOnly(chain.then(sale(SZ1, T0 + 5 * MIN)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
    chain.state = one;
    Anomaly received = assertOnly(chain.then(receive(SZ3, T0 + 2 * DAY)), RECEIVED_AFTER_SALE, Suspicion.DIVERTED,
        Level.ALERT);
    assertEquals(at(SZ1, T0), received.conflictsWith());
    chain.state = one;
    assertFalse(chain.then(receive(SZ3, T0 - HOUR)).flagged(), "taken into stock before its one open sale");
  }

  /**
   * While the open sales are unknown the state still holds the site before's open sale: a receipt and a sale are judged
   * against it and name it. Until 2026-12-05 they named no sale, and a sale at that very site was DIVERTED, where the
   * rules say a sale of a code not returned "at the same site, later" is SUBSTITUTED.
   */
  @Test
  void whileTheOpenSalesAreUnknownAReceiptOrASaleNamesTheOpenSaleAtTheSiteBefore() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + DAY));
    chain.then(sale(SZ2, T0 + 2 * DAY));
    chain.then(giveBack(SZ2, T0 + 2 * DAY + HOUR));
    CodeState unknown = chain.state;
    assertTrue(unknown.openSalesUnknown(), "two sales left, one at each site");
    Anomaly received = assertOnly(chain.then(receive(SZ3, T0 + 3 * DAY)), RECEIVED_AFTER_SALE,
        Suspicion.DIVERTED, Level.ALERT);
    assertEquals(at(SZ1, T0), received.conflictsWith());
    chain.state = unknown;
    Anomaly again = assertOnly(chain.then(sale(SZ1, T0 + 3 * DAY)), REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(at(SZ1, T0), again.conflictsWith());
    assertEquals(3, chain.state.saleCount());
    assertEquals(at(SZ1, T0 + 3 * DAY), chain.state.lastSale());
    assertTrue(chain.state.hasOpenSale());
    chain.state = unknown;
    Anomaly elsewhere = assertOnly(chain.then(sale(GZ, T0 + 3 * DAY)), REPEAT_SALE, Suspicion.COUNTERFEIT,
        Level.ALERT);
    assertEquals(at(SZ1, T0), elsewhere.conflictsWith());
    assertTrue(elsewhere.detail().endsWith("now sold at 3 or more sites"), elsewhere.detail());
  }

  @Test
  void whileTheOpenSalesAreUnknownASecondScanOfTheSiteBeforesSaleIsADoubleScan() {
    chain.then(sale(SZ1, T0));
    chain.then(sale(SZ2, T0 + MIN));
    chain.then(sale(SZ2, T0 + 20 * MIN));
    chain.then(giveBack(SZ2, T0 + 21 * MIN));
    CodeState unknown = chain.state;
    assertTrue(unknown.openSalesUnknown());
    Verdict v = chain.then(sale(SZ1, T0 + 5 * MIN));
    Anomaly twice = assertOnly(v, DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
    assertEquals(at(SZ1, T0), twice.conflictsWith());
    assertSame(unknown, v.next(), "the same sale scanned twice");
  }

  @Test
  void whileTheOpenSalesAreUnknownAndNoneIsKnownASaleIsDivertedNamingNone() {
    for (Scan scan : List.of(sale(SZ1, T0), sale(SZ2, T0 + DAY), sale(SZ3, T0 + 2 * DAY), sale(SZ3, T0 + 3 * DAY),
        giveBack(SZ3, T0 + 3 * DAY + HOUR), giveBack(SZ2, T0 + 3 * DAY + 2 * HOUR))) {
      chain.then(scan);
    }
    assertTrue(chain.state.openSalesUnknown());
    assertNull(chain.state.prevOpenSale());
    Anomaly a = assertOnly(chain.then(sale(SZ1, T0 + 4 * DAY)), REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
    assertNull(a.conflictsWith());
  }

  @Test
  void returningOneOfTwoSalesAtOneSiteKeepsTheOtherReturnable() {
    chain.then(sale(SZ1, T0));
    assertTypes(chain.then(sale(SZ1, T0 + HOUR)), REPEAT_SALE);
    assertFalse(chain.then(giveBack(SZ1, T0 + 2 * HOUR)).flagged());
    assertFalse(chain.state.openSalesUnknown(), "every sale was at this site");
    assertFalse(chain.then(giveBack(SZ1, T0 + 3 * HOUR)).flagged(), "the first sale returned too");
    assertEquals(0, chain.state.saleCount());
  }

  @Test
  void destroyOfAnExpiredUnknownProductIsNeverFlagged() {
    Verdict v = chain.then(destroy(SZ1, T0).product(UNKNOWN).expiry("2020-01-31"));
    assertFalse(v.flagged());
  }

  // ---- independent checks -----------------------------------------------------------------------------------------

  @Test
  void saleAfterTheExpiryDateIsExpiredQuality() {
    long feb1 = java.time.Instant.parse("2026-02-01T00:00:00Z").getEpochSecond();
    Verdict v = chain.then(sale(SZ1, feb1).expiry("2026-01-31"));
    Anomaly a = assertOnly(v, EXPIRED, Suspicion.QUALITY, Level.ALERT);
    assertEquals("expired 2026-01-31", a.detail());
    assertNull(a.conflictsWith());
    assertEquals(1, v.next().saleCount(), "an expired sale is still a sale");
  }

  @Test
  void saleOnTheExpiryDateIsNotExpired() {
    long lastSecond = java.time.OffsetDateTime.parse("2026-01-31T23:59:59+08:00").toEpochSecond();
    assertFalse(chain.then(sale(SZ1, lastSecond).expiry("2026-01-31")).flagged());
  }

  @Test
  void expiryIsComparedWithTheDateOfTheScanInChina() {
    // 16:30 UTC is already 1 February in Beijing, where the box is sold, though still 31 January in UTC: it was
    // not flagged (the UTC date) until the spec conformance probe
    long feb1InBeijing = java.time.Instant.parse("2026-01-31T16:30:00Z").getEpochSecond();
    assertTypes(chain.then(sale(SZ1, feb1InBeijing).expiry("2026-01-31")), EXPIRED);
    long jan31InBeijing = java.time.Instant.parse("2026-01-31T15:59:59Z").getEpochSecond();
    assertFalse(new Chain().then(sale(SZ1, jan31InBeijing).expiry("2026-01-31")).flagged());
  }

  @Test
  void expiryCheckWorksBeforeTheEpoch() {
    long dec31of1969InChina = -8 * 3_600 - 1;
    assertTypes(chain.then(sale(SZ1, dec31of1969InChina).expiry("1969-12-30")), EXPIRED);
    assertFalse(new Chain().then(sale(SZ1, dec31of1969InChina).expiry("1969-12-31")).flagged());
    assertTypes(new Chain().then(sale(SZ1, -1).expiry("1969-12-31")), EXPIRED);
    assertFalse(new Chain().then(sale(SZ1, Long.MIN_VALUE).expiry("1969-12-31")).flagged());
    assertTypes(new Chain().then(sale(SZ1, Long.MAX_VALUE).expiry("1969-12-31")), EXPIRED);
  }

  @Test
  void receiveOfAnExpiredBoxIsExpired() {
    assertOnly(chain.then(receive(SZ1, T0).expiry("2026-01-31")), EXPIRED, Suspicion.QUALITY, Level.ALERT);
  }

  @Test
  void returnOfAnExpiredBoxIsNotExpired() {
    chain.then(sale(SZ1, T0));
    assertFalse(chain.then(giveBack(SZ1, T0 + HOUR).expiry("2026-01-31")).flagged());
  }

  @Test
  void unknownProductWithALoadedCatalogueIsAWarningOnSaleReceiveAndReturn() {
    Anomaly a = assertOnly(chain.then(sale(SZ1, T0).product(UNKNOWN)), UNKNOWN_PRODUCT, Suspicion.COUNTERFEIT,
        Level.WARNING);
    assertEquals("product 0690123 not in the catalogue", a.detail());
    assertNull(a.conflictsWith());
    assertEquals(1, chain.state.saleCount(), "the sale is applied all the same");
    assertTypes(chain.then(giveBack(SZ1, T0 + HOUR).product(UNKNOWN)), UNKNOWN_PRODUCT);
    assertEquals(0, chain.state.saleCount(), "the return is applied all the same");
    assertTypes(chain.then(receive(SZ1, T0 + DAY).product(UNKNOWN)), UNKNOWN_PRODUCT);
  }

  @Test
  void unknownProductIsNotAnAnomalyWithoutACatalogue() {
    Chain c = new Chain(ladder, NO_CATALOGUE);
    assertFalse(c.then(sale(SZ1, T0).product(UNKNOWN)).flagged());
    assertFalse(c.then(giveBack(SZ1, T0 + HOUR).product(UNKNOWN)).flagged());
    assertFalse(c.then(receive(SZ1, T0 + DAY).product(UNKNOWN)).flagged());
  }

  @Test
  void unknownProductIsNotAnAnomalyOnDestroy() {
    assertFalse(chain.then(destroy(SZ1, T0).product(UNKNOWN)).flagged());
  }

  @Test
  void saleBilledAsAnotherDrugIsProductMismatchSubstituted() {
    Verdict v = chain.then(sale(SZ1, T0).billed("XB99ZZZ999"));
    Anomaly a = assertOnly(v, PRODUCT_MISMATCH, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals("billed as XB99ZZZ999, catalogue says XN01AAA001", a.detail());
    assertNull(a.conflictsWith());
    assertEquals(1, v.next().saleCount());
  }

  @Test
  void billedDrugIsComparedTrimmedAndCaseInsensitive() {
    assertFalse(chain.then(sale(SZ1, T0).billed("  xn01aaa001 \t")).flagged());
  }

  @Test
  void noProductMismatchWithoutBilledDrugOrCatalogueDrugCode() {
    assertFalse(new Chain().then(sale(SZ1, T0).billed(null)).flagged());
    assertFalse(new Chain().then(sale(SZ1, T0).billed("   ")).flagged());
    assertFalse(new Chain().then(sale(SZ1, T0).product(NODRUG).billed("XB99ZZZ999")).flagged());
  }

  @Test
  void noProductMismatchForAnUnknownProduct() {
    assertTypes(chain.then(sale(SZ1, T0).product(UNKNOWN).billed("XB99ZZZ999")), UNKNOWN_PRODUCT);
    assertFalse(new Chain(ladder, NO_CATALOGUE).then(sale(SZ1, T0).product(UNKNOWN).billed("X")).flagged());
  }

  @Test
  void productMismatchIsOnlyCheckedOnSales() {
    assertFalse(chain.then(receive(SZ1, T0).billed("XB99ZZZ999")).flagged());
  }

  @Test
  void independentChecksStillApplyToADoubleScan() {
    chain.then(sale(SZ1, T0));
    assertTypes(chain.then(sale(SZ1, T0 + MIN).billed("XB99ZZZ999")), DOUBLE_SCAN, PRODUCT_MISMATCH);
  }

  // ---- order of anomalies -----------------------------------------------------------------------------------------

  @Test
  void ladderRowComesFirstThenProductMismatchThenExpired() {
    chain.then(sale(SZ1, T0));
    Verdict v = chain.then(sale(GZ, T0 + HOUR).billed("XB99ZZZ999").expiry("2026-01-31"));
    assertTypes(v, REPEAT_SALE, PRODUCT_MISMATCH, EXPIRED);
    assertEquals(Suspicion.COUNTERFEIT, v.anomalies().get(0).suspicion());
  }

  @Test
  void soldAfterDestroyComesBeforeExpiredAndUnknownProduct() {
    chain.then(destroy(SZ1, T0));
    assertTypes(chain.then(sale(SZ1, T0 + DAY).product(UNKNOWN).expiry("2026-01-31")),
        SOLD_AFTER_DESTROY, EXPIRED, UNKNOWN_PRODUCT);
    assertTypes(chain.then(receive(SZ1, T0 + DAY).product(UNKNOWN).expiry("2026-01-31")),
        SOLD_AFTER_DESTROY, EXPIRED, UNKNOWN_PRODUCT);
  }

  @Test
  void receivedAfterSaleComesBeforeExpiredAndUnknownProduct() {
    chain.then(sale(SZ1, T0));
    assertTypes(chain.then(receive(SZ2, T0 + DAY).product(UNKNOWN).expiry("2026-01-31")),
        RECEIVED_AFTER_SALE, EXPIRED, UNKNOWN_PRODUCT);
  }

  @Test
  void returnMismatchComesBeforeUnknownProduct() {
    assertTypes(chain.then(giveBack(SZ1, T0).product(UNKNOWN)), RETURN_MISMATCH, UNKNOWN_PRODUCT);
  }

  @Test
  void anomalyListIsImmutable() {
    List<Anomaly> none = chain.then(sale(SZ1, T0)).anomalies();
    List<Anomaly> some = chain.then(sale(SZ1, T0 + MIN).billed("X")).anomalies();
    assertEquals(2, some.size());
    Anomaly extra = some.get(0);
    assertThrows(UnsupportedOperationException.class, () -> none.add(extra));
    assertThrows(UnsupportedOperationException.class, () -> some.add(extra));
    assertThrows(UnsupportedOperationException.class, () -> some.remove(0));
  }

  // ---- robustness -------------------------------------------------------------------------------------------------

  @Test
  void nullStateIsJudgedAsANewCode() {
    Verdict v = ladder.judge(null, sale(SZ1, T0).facts(), REF);
    assertFalse(v.flagged());
    assertEquals(1, v.next().saleCount());
  }

  @Test
  void nullReferenceDataIsAnEmptyCatalogueAndRegister() {
    Verdict v = ladder.judge(CodeState.NEW, sale(SZ1, T0).product(UNKNOWN).facts(), null);
    assertFalse(v.flagged());
    CodeState s = v.next();
    Anomaly a = assertOnly(ladder.judge(s, sale(BJ, T0 + HOUR).facts(), null), REPEAT_SALE, Suspicion.DIVERTED,
        Level.ALERT);
    assertEquals("sold at site #1 on 2026-11-20T02:11:00Z", a.detail());
  }

  @Test
  void nullScanOrEventTypeChangesNothing() {
    CodeState s = chain.then(sale(SZ1, T0)).next();
    Verdict v = ladder.judge(s, null, REF);
    assertSame(s, v.next());
    assertFalse(v.flagged());
    Verdict w = ladder.judge(s, new ScanFacts(null, BOX, null, 1, T0, 1, false, null, false, 0), REF);
    assertSame(s, w.next());
    assertFalse(w.flagged());
  }

  @Test
  void nullProductKeyWithALoadedCatalogueIsAnUnknownProduct() {
    Verdict v = ladder.judge(CodeState.NEW,
        new ScanFacts(EventType.SALE, null, null, 1, T0, 1, false, "X", false, 0), REF);
    assertTypes(v, UNKNOWN_PRODUCT);
  }

  @Test
  void extremeTimesNeverThrowAndArePrintedAsEpochSeconds() {
    chain.then(sale(SZ1, Long.MIN_VALUE).expiry("2026-01-31"));
    Verdict v = chain.then(sale(GZ, Long.MAX_VALUE).expiry("2026-01-31"));
    assertTypes(v, REPEAT_SALE, EXPIRED);
    assertEquals(Suspicion.DIVERTED, v.anomalies().get(0).suspicion(), "Long.MIN to Long.MAX is not < 24 h");
    assertTrue(v.anomalies().get(0).detail().contains("epoch second " + Long.MIN_VALUE), v.anomalies().toString());
    Verdict r = chain.then(giveBack(GZ, Long.MIN_VALUE));
    assertTypes(r, RETURN_MISMATCH);
    assertFalse(chain.then(giveBack(GZ, Long.MAX_VALUE)).flagged(), "same second as the sale");
  }

  @Test
  void inconsistentStatesNeverThrow() {
    CodeState[] odd = {
        new CodeState(-5, -3, -7, -1, null, true, true, -2, false, -1),
        new CodeState(0, 3, 0, 0, null, false, false, 0, false, 0),
        new CodeState(0, 0, 5, 0, at(SZ1, T0), true, false, 0, false, 0),
        new CodeState(0, 2, 2, 2, null, false, false, 0, true, 0),
        new CodeState(0, -1, -1, 300, at(SZ1, T0), false, false, SZ1.ref(), false, 0),
    };
    for (CodeState s : odd) {
      for (EventType t : EventType.values()) {
        for (boolean split : new boolean[] {false, true}) {
          ScanFacts f = new ScanFacts(t, PACK10, java.time.LocalDate.MIN, SZ2.ref(), T0, -4, split, "", true, 0);
          Verdict v = assertDoesNotThrow(() -> ladder.judge(s, f, REF), s + " " + f);
          assertNotNull(v.next());
          assertNotNull(v.anomalies());
        }
      }
    }
  }

  @Test
  void aSiteRefOfZeroNeverThrows() {
    chain.then(sale(0, T0));
    assertNotNull(chain.then(sale(0, T0 + DAY)));
    assertNotNull(chain.then(giveBack(SZ1, T0 + DAY)));
  }

  @Test
  void constructorRejectsMissingSettings() {
    assertThrows(NullPointerException.class, () -> new Ladder(null));
    assertThrows(NullPointerException.class,
        () -> new Ladder(new LadderSettings(null, Duration.ofDays(10), Duration.ofHours(24), 3)));
  }

  @Test
  void judgeIsPure() {
    CodeState s = chain.then(sale(SZ1, T0)).next();
    ScanFacts f = sale(GZ, T0 + HOUR).billed("X").facts();
    assertEquals(ladder.judge(s, f, REF), ladder.judge(s, f, REF));
    assertEquals(ladder.judge(s, f, REF), new Ladder(LadderSettings.DEFAULTS).judge(s, f,
        new TestRef(PRODUCTS, Map.copyOf(SITES))));
  }
}
