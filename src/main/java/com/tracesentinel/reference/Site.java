package com.tracesentinel.reference;

/**
 * A registered pharmacy, hospital or clinic.
 *
 * @param ref        small positive number the ledger stores instead of the site id (stable: the database key)
 * @param regionCode 6-digit administrative division code; first 4 digits = city, first 2 = province
 */
public record Site(int ref, String siteId, String name, SiteKind kind, String regionCode, String regionName) {
  public String city() {
    return regionCode.length() >= 4 ? regionCode.substring(0, 4) : regionCode;
  }
}
