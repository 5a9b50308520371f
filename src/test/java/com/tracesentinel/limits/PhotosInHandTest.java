package com.tracesentinel.limits;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhotosInHandTest {

  @Test
  void aClientHasAtMostMaxPhotosInHandAndAnotherClientIsNotHeldUp() {
    PhotosInHand photos = new PhotosInHand(2);
    assertTrue(photos.take("192.0.2.1"));
    assertTrue(photos.take("192.0.2.1"));
    assertFalse(photos.take("192.0.2.1"), "a third photo while two are in hand");
    assertTrue(photos.take("192.0.2.2"));
  }

  @Test
  void anAnsweredPhotoMakesRoomForTheNext() {
    PhotosInHand photos = new PhotosInHand(2);
    photos.take("key-1");
    photos.take("key-1");
    photos.answered("key-1");
    assertTrue(photos.take("key-1"));
    assertFalse(photos.take("key-1"));
  }

  @Test
  void aRefusedPhotoHoldsNothing() {
    PhotosInHand photos = new PhotosInHand(1);
    photos.take("key-1");
    assertFalse(photos.take("key-1"));
    photos.answered("key-1");
    assertTrue(photos.take("key-1"), "the refused photo was counted as in hand");
  }
}
