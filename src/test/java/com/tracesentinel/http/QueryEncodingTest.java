package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QueryEncodingTest {
  @Test
  void wellFormedEscapesAndPlainAsciiAreReadable() {
    assertTrue(ApiServer.percentEncodedUtf8(null));
    assertTrue(ApiServer.percentEncodedUtf8(""));
    assertTrue(ApiServer.percentEncodedUtf8("code=(01)06901234567892&x=a+b"));
    assertTrue(ApiServer.percentEncodedUtf8("code=%E4%B8%AD%20%28%29"));
  }

  @Test
  void brokenEscapesNonUtf8BytesAndRawCharactersAreNot() {
    assertFalse(ApiServer.percentEncodedUtf8("code=%ZZ"));
    assertFalse(ApiServer.percentEncodedUtf8("code=8%"));
    assertFalse(ApiServer.percentEncodedUtf8("code=8%4"));
    assertFalse(ApiServer.percentEncodedUtf8("code=%ff%fe"));
    assertFalse(ApiServer.percentEncodedUtf8("code=%C0%AF"), "an overlong '/'");
    assertFalse(ApiServer.percentEncodedUtf8("code=ä"));
    assertFalse(ApiServer.percentEncodedUtf8("code=%\u0663\u0663"), "Arabic-Indic digits are not hex");
  }

  @Test
  void theUnreadableParameterIsNamed() {
    org.junit.jupiter.api.Assertions.assertNull(ApiServer.unreadableParameter("siteId=PN&limit=10"));
    org.junit.jupiter.api.Assertions.assertEquals("product",
        ApiServer.unreadableParameter("siteId=PN&product=8%ZZ&limit=10"));
    org.junit.jupiter.api.Assertions.assertEquals("query", ApiServer.unreadableParameter("%FF=1"));
  }
}
