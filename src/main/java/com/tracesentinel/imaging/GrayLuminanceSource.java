package com.tracesentinel.imaging;

import com.google.zxing.LuminanceSource;

/** ZXing's view of a {@link GrayImage} region; cropping shares the pixels, rotation copies them. */
final class GrayLuminanceSource extends LuminanceSource {
  private final GrayImage image;
  private final int left;
  private final int top;

  GrayLuminanceSource(GrayImage image) {
    this(image, 0, 0, image.width, image.height);
  }

  private GrayLuminanceSource(GrayImage image, int left, int top, int width, int height) {
    super(width, height);
    this.image = image;
    this.left = left;
    this.top = top;
  }

  @Override
  public byte[] getRow(int y, byte[] row) {
    if (y < 0 || y >= getHeight()) throw new IllegalArgumentException("row outside image: " + y);
    int w = getWidth();
    if (row == null || row.length < w) row = new byte[w];
    System.arraycopy(image.px, (y + top) * image.width + left, row, 0, w);
    return row;
  }

  @Override
  public byte[] getMatrix() {
    int w = getWidth();
    int h = getHeight();
    if (left == 0 && top == 0 && w == image.width && h == image.height) return image.px;
    byte[] m = new byte[w * h];
    for (int y = 0; y < h; y++) {
      System.arraycopy(image.px, (y + top) * image.width + left, m, y * w, w);
    }
    return m;
  }

  @Override
  public boolean isCropSupported() {
    return true;
  }

  @Override
  public LuminanceSource crop(int l, int t, int w, int h) {
    return new GrayLuminanceSource(image, left + l, top + t, w, h);
  }

  @Override
  public boolean isRotateSupported() {
    return true;
  }

  @Override
  public LuminanceSource rotateCounterClockwise() {
    GrayImage region = (left == 0 && top == 0 && getWidth() == image.width && getHeight() == image.height)
        ? image : image.crop(left, top, getWidth(), getHeight());
    return new GrayLuminanceSource(region.rotatedCounterClockwise());
  }
}
