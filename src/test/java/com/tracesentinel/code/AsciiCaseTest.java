package com.tracesentinel.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.auth.Role;
import com.tracesentinel.investigate.CaseState;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class AsciiCaseTest {

  @Test
  void onlyTheTwentySixLettersFold() {
    assertTrue(AsciiCase.equalsIgnoringCase("REPEAT_SALE", "repeat_Sale"));
    assertFalse(AsciiCase.equalsIgnoringCase("SALE", "\u017fale")); // long s, which Java upper-cases to S
    assertFalse(AsciiCase.equalsIgnoringCase("RECEIVE", "rece\u0131ve")); // dotless i
    assertFalse(AsciiCase.equalsIgnoringCase("RECEIVE", "RECE\u0130VE")); // dotted capital I
    assertFalse(AsciiCase.equalsIgnoringCase("SALE", "SALES"));
    assertFalse(AsciiCase.equalsIgnoringCase("A_B", "A-B"));
    assertEquals("admin-Ä", AsciiCase.lower("ADMIN-Ä"));
  }

  @Test
  void enumNamesReadTheSameOnATurkishMachine() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    try {
      assertEquals(EventType.RECEIVE, AsciiCase.constantNamed(EventType.class, "receive"));
      assertEquals(SiteKind.CLINIC, AsciiCase.constantNamed(SiteKind.class, "clinic"));
      assertEquals("investigator", Role.INVESTIGATOR.wire());
      assertEquals(Role.INVESTIGATOR, Role.fromWire(" Investigator "));
      assertEquals(CaseState.DISMISSED, CaseState.parse("dismissed"));
      assertNull(AsciiCase.constantNamed(EventType.class, "\u017fale"));
      assertNull(Role.fromWire("adm\u0131n"));
    } finally {
      Locale.setDefault(before);
    }
  }
}
