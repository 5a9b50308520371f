package com.tracesentinel.code;

import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * YYMMDD dates as GS1 AIs 11-17 and MA {@code .V} units print them.
 *
 * <p>The century is fixed to 2000-2099. GS1's rule (General Specifications §7.12) slides a 100-year window around
 * the current year; for drug expiry and production dates the two agree until 2050, and a fixed century keeps the
 * parse a pure function of its input, so the same scan gives the same expiry whenever it is replayed.
 */
final class ShortDates {

  static final int LENGTH = 6;

  private ShortDates() {}

  /**
   * Finds what is wrong with the six digits at {@code at}: -1 when nothing, otherwise the offset (2 or 4) of the
   * month or day that does not exist. GS1 lets day 00 stand for the month's last day; MA does not.
   */
  static int invalidPartAt(CharSequence s, int at, boolean dayZeroIsLastDay) {
    int month = twoDigits(s, at + 2);
    if (month < 1 || month > 12) {
      return 2;
    }
    int day = twoDigits(s, at + 4);
    if (day == 0 ? !dayZeroIsLastDay : day > monthLength(twoDigits(s, at), month)) {
      return 4;
    }
    return -1;
  }

  /** The reason behind {@link #invalidPartAt}'s answer, worded for a person holding the box. */
  static String explain(CharSequence s, int at, int badPart) {
    int month = twoDigits(s, at + 2);
    if (badPart == 2) {
      return "month " + s.subSequence(at + 2, at + 4) + " does not exist";
    }
    return "day " + s.subSequence(at + 4, at + 6) + " does not exist in "
        + Month.of(month).getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + (2000 + twoDigits(s, at));
  }

  /** The date of six valid digits; day 00 means the last day of the month. */
  static LocalDate toDate(CharSequence s, int at) {
    int year = 2000 + twoDigits(s, at);
    int month = twoDigits(s, at + 2);
    int day = twoDigits(s, at + 4);
    return LocalDate.of(year, month, day == 0 ? monthLength(year - 2000, month) : day);
  }

  private static int monthLength(int yy, int month) {
    return Month.of(month).length(Year.isLeap(2000 + yy));
  }

  private static int twoDigits(CharSequence s, int at) {
    return (s.charAt(at) - '0') * 10 + s.charAt(at + 1) - '0';
  }
}
