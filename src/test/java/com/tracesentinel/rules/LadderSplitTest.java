package com.tracesentinel.rules;

import static com.tracesentinel.rules.AnomalyType.*;
import static com.tracesentinel.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Split-pack (拆零) sales: legitimate at one site until they add up to more than the pack size. */
class LadderSplitTest {

  private final Ladder ladder = new Ladder(LadderSettings.DEFAULTS);
  private final Chain chain = new Chain(ladder, REF);

  @Test
  void splitSalesAddingUpToThePackSizeAtOneSiteAreAccepted() {
    Verdict v = chain.cleanThen(split(SZ1, T0, 3), split(SZ1, T0 + HOUR, 3), split(SZ1, T0 + DAY, 4));
    assertFalse(v.flagged());
    CodeState s = v.next();
    assertEquals(3, s.saleCount());
    assertEquals(10, s.soldUnits());
    assertEquals(1, s.distinctSaleSites());
    assertTrue(s.lastSaleSplit());
    assertEquals(at(SZ1, T0 + DAY), s.lastSale());
  }

  @Test
  void oneMoreUnitPastThePackSizeIsSplitOversoldSubstituted() {
    chain.cleanThen(split(SZ1, T0, 3), split(SZ1, T0 + HOUR, 3), split(SZ1, T0 + DAY, 4));
    Verdict v = chain.then(split(SZ1, T0 + 2 * DAY, 1));
    Anomaly a = assertOnly(v, SPLIT_OVERSOLD, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals("split sales reach 11 of 10 units", a.detail());
    assertEquals(at(SZ1, T0 + DAY), a.conflictsWith());
    assertEquals(11, v.next().soldUnits(), "the sale is applied");
    assertEquals(4, v.next().saleCount());
  }

  @Test
  void aSingleSplitSaleLargerThanThePackIsOversoldWithNothingToConflictWith() {
    Anomaly a = assertOnly(chain.then(split(SZ1, T0, 12)), SPLIT_OVERSOLD, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals("split sales reach 12 of 10 units", a.detail());
    assertNull(a.conflictsWith());
  }

  @Test
  void aSingleSplitSaleOfTheWholePackIsAccepted() {
    assertFalse(chain.then(split(SZ1, T0, 10)).flagged());
  }

  @Test
  void splitSalesAtOneSiteSecondsApartAreNotDoubleScans() {
    Verdict v = chain.cleanThen(split(SZ1, T0, 3), split(SZ1, T0 + 10, 3));
    assertFalse(v.flagged());
    assertEquals(6, v.next().soldUnits());
  }

  @Test
  void splitSaleAtAnotherSiteIsSplitAcrossSitesDiverted() {
    chain.then(split(SZ1, T0, 3));
    Verdict v = chain.then(split(SZ2, T0 + HOUR, 3));
    Anomaly a = assertOnly(v, SPLIT_ACROSS_SITES, Suspicion.DIVERTED, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertTrue(a.detail().contains("at P44030500077 on 2026-11-20T02:11:00Z"), a.detail());
    CodeState s = v.next();
    assertEquals(6, s.soldUnits());
    assertEquals(2, s.distinctSaleSites());
    assertEquals(SZ1.ref(), s.prevSaleSite());
    assertEquals(at(SZ2, T0 + HOUR), s.lastSale());
  }

  @Test
  void splitSaleInAnotherCityWithin24HoursIsStillOnlySplitAcrossSites() {
    chain.then(split(SZ1, T0, 3));
    assertOnly(chain.then(split(BJ, T0 + HOUR, 3)), SPLIT_ACROSS_SITES, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void splitSaleAtAnotherSiteThatOversellsRaisesBothAcrossSitesFirst() {
    chain.then(split(SZ1, T0, 6));
    Verdict v = chain.then(split(SZ2, T0 + HOUR, 5));
    assertTypes(v, SPLIT_ACROSS_SITES, SPLIT_OVERSOLD);
    assertEquals(at(SZ1, T0), v.anomalies().get(1).conflictsWith());
    assertEquals("split sales reach 11 of 10 units", v.anomalies().get(1).detail());
  }

  @Test
  void splitRowsComeBeforeProductMismatchAndExpired() {
    chain.then(split(SZ1, T0, 6));
    assertTypes(chain.then(split(SZ2, T0 + HOUR, 5).billed("XB99").expiry("2026-01-31")),
        SPLIT_ACROSS_SITES, SPLIT_OVERSOLD, PRODUCT_MISMATCH, EXPIRED);
  }

  @Test
  void splitSaleMatchingTheCatalogueDrugIsNotAMismatch() {
    assertFalse(chain.then(split(SZ1, T0, 2).billed(PACK10_DRUG.toLowerCase())).flagged());
  }

  @Test
  void splitSalesOfAProductOutsideTheCatalogueAreNeverOversold() {
    Chain c = new Chain(ladder, NO_CATALOGUE);
    Verdict v = c.cleanThen(split(SZ1, T0, 5).product(UNKNOWN), split(SZ1, T0 + HOUR, 5).product(UNKNOWN),
        split(SZ1, T0 + DAY, 5).product(UNKNOWN));
    assertFalse(v.flagged());
    assertEquals(15, v.next().soldUnits());
  }

  @Test
  void splitSaleWithoutQuantitySellsOneUnit() {
    assertEquals(1, chain.then(split(SZ1, T0, 0)).next().soldUnits());
    assertEquals(2, chain.then(split(SZ1, T0 + 1, -3)).next().soldUnits());
  }

  @Test
  void splitSaleAfterAWholeBoxSaleAtTheSameSiteIsARepeatSale() {
    chain.then(sale(SZ1, T0).product(PACK10));
    Verdict v = chain.then(split(SZ1, T0 + HOUR, 2));
    assertOnly(v, REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(12, v.next().soldUnits());
    assertTrue(v.next().lastSaleSplit());
  }

  @Test
  void splitSaleRightAfterAWholeBoxSaleAtTheSameSiteIsADoubleScan() {
    chain.then(sale(SZ1, T0).product(PACK10));
    assertOnly(chain.then(split(SZ1, T0 + MIN, 2)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
  }

  @Test
  void splitSaleAfterAWholeBoxSaleAtAnotherSiteIsARepeatSaleNotSplitAcrossSites() {
    chain.then(sale(SZ1, T0).product(PACK10));
    assertOnly(chain.then(split(SZ2, T0 + HOUR, 2)), REPEAT_SALE, Suspicion.DIVERTED, Level.ALERT);
  }

  @Test
  void splitSaleAfterAWholeBoxSaleInAnotherCityWithin24HoursIsCounterfeit() {
    chain.then(sale(SZ1, T0).product(PACK10));
    assertOnly(chain.then(split(GZ, T0 + HOUR, 2)), REPEAT_SALE, Suspicion.COUNTERFEIT, Level.ALERT);
  }

  @Test
  void wholeBoxSaleAfterASplitSaleIsARepeatSale() {
    chain.then(split(SZ1, T0, 3));
    Verdict v = chain.then(sale(SZ1, T0 + HOUR).product(PACK10));
    assertOnly(v, REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(13, v.next().soldUnits());
    assertFalse(v.next().lastSaleSplit());
  }

  /**
   * DOUBLE_SCAN is "second SALE of a fully sold code": 3 of 10 tablets sold, the whole box was taken for the same sale
   * scanned twice and not counted, so 7 more split tablets were accepted (17 of 10) and the look-up said ONE_SALE.
   */
  @Test
  void wholeBoxSaleRightAfterASplitSaleOfPartOfItIsARepeatSaleAndCounted() {
    chain.then(split(SZ1, T0, 3));
    Verdict v = chain.then(sale(SZ1, T0 + MIN).product(PACK10));
    Anomaly a = assertOnly(v, REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT);
    assertEquals(at(SZ1, T0), a.conflictsWith());
    assertEquals(2, v.next().saleCount());
    assertEquals(13, v.next().soldUnits());
    assertTypes(chain.then(split(SZ1, T0 + HOUR, 7)), REPEAT_SALE);
  }

  /**
   * Split sales are "legitimate until their sum reaches the pack size", and a returned sale is undone: 3 of 10 tablets
   * split-sold, then the whole box sold and returned, the rest of the box split-sold was a REPEAT_SALE naming the
   * returned whole-box sale, which stood for the open split sale as a whole box.
   */
  @Test
  void afterAWholeBoxSoldOverASplitSaleIsReturnedTheRestOfTheBoxIsSplitSoldAsBefore() {
    chain.then(split(SZ1, T0, 3));
    assertTypes(chain.then(sale(SZ1, T0 + MIN).product(PACK10)), REPEAT_SALE);
    assertFalse(chain.then(giveBack(SZ1, T0 + 2 * MIN).product(PACK10)).flagged());
    assertEquals(1, chain.state.saleCount());
    assertEquals(3, chain.state.soldUnits());
    assertFalse(chain.then(split(SZ1, T0 + HOUR, 7)).flagged(), "3 + 7 of 10");
    assertOnly(chain.then(split(SZ1, T0 + 2 * HOUR, 1)), SPLIT_OVERSOLD, Suspicion.SUBSTITUTED, Level.ALERT);
  }

  @Test
  void aWholeBoxReturnedAfterAnotherWholeBoxAtOneSiteLeavesAWholeBoxSold() {
    chain.then(sale(SZ1, T0).product(PACK10));
    assertTypes(chain.then(sale(SZ1, T0 + HOUR).product(PACK10)), REPEAT_SALE);
    assertFalse(chain.then(giveBack(SZ1, T0 + 2 * HOUR).product(PACK10)).flagged());
    assertTypes(chain.then(split(SZ1, T0 + 3 * HOUR, 1)), REPEAT_SALE);
  }

  @Test
  void wholeBoxSaleRightAfterSplitSalesOfTheWholePackIsADoubleScan() {
    chain.cleanThen(split(SZ1, T0, 4), split(SZ1, T0 + MIN, 6));
    assertOnly(chain.then(sale(SZ1, T0 + 2 * MIN).product(PACK10)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR,
        Level.WARNING);
  }

  @Test
  void wholeBoxSaleRightAfterASplitSaleOfAProductOutsideTheCatalogueIsADoubleScan() {
    Chain c = new Chain(ladder, NO_CATALOGUE);
    c.then(split(SZ1, T0, 1).product(UNKNOWN));
    assertOnly(c.then(sale(SZ1, T0 + MIN).product(UNKNOWN)), DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING);
  }

  @Test
  void splitSaleAfterTheSplitSalesWereReturnedStartsAgainFromZero() {
    chain.cleanThen(split(SZ1, T0, 6), giveBackSplit(SZ1, T0 + HOUR, 6));
    assertEquals(0, chain.state.soldUnits());
    assertFalse(chain.then(split(SZ2, T0 + DAY, 10)).flagged(), "no open sale: no other site to be across");
  }
}
