package com.tracesentinel.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.geom.Point2D;
import org.junit.jupiter.api.Test;

/** Derived views map their pixels back to the upload exactly. */
class ViewTest {

  @Test
  void turnedMovesPixelsAndMapsThemBack() {
    // 3 wide, 2 high: pixel (x, y) has value 10 * y + x.
    GrayImage img = new GrayImage(new byte[] {0, 1, 2, 10, 11, 12}, 3, 2);
    View v = View.of(img).cropped(1, 0, 2, 2); // columns 1 and 2: a non-identity transform to compose with
    View t = v.turned();
    assertEquals(2, t.width());
    assertEquals(2, t.height());
    View once = View.of(img).turned();
    assertEquals(2, once.width());
    assertEquals(3, once.height());
    for (int y = 0; y < once.height(); y++) {
      for (int x = 0; x < once.width(); x++) {
        // The centre of each turned pixel maps to the centre of the pixel it was copied from.
        Point2D o = once.toOriginal(x + 0.5, y + 0.5);
        int ox = (int) Math.floor(o.getX());
        int oy = (int) Math.floor(o.getY());
        assertEquals(img.get(ox, oy), once.image().get(x, y), "turned pixel " + x + "," + y);
      }
    }
    for (int y = 0; y < t.height(); y++) {
      for (int x = 0; x < t.width(); x++) {
        Point2D o = t.toOriginal(x + 0.5, y + 0.5);
        assertEquals(img.get((int) Math.floor(o.getX()), (int) Math.floor(o.getY())), t.image().get(x, y));
      }
    }
    // Four turns are the identity.
    View four = once.turned().turned().turned();
    Point2D p = four.toOriginal(1.25, 0.75);
    assertEquals(1.25, p.getX(), 1e-9);
    assertEquals(0.75, p.getY(), 1e-9);
    assertEquals(img.get(2, 1), four.image().get(2, 1));
  }
}
