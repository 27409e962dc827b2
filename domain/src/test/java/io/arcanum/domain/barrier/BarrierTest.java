package io.arcanum.domain.barrier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BarrierTest {

  private static final byte[] AAD = "kv|abc/hello".getBytes(StandardCharsets.UTF_8);

  private static Barrier unsealed() {
    Barrier b = new Barrier();
    b.install(Keyring.generate(Instant.now()));
    return b;
  }

  @Test
  void roundTrip() {
    Barrier b = unsealed();
    byte[] plain = "the secret".getBytes(StandardCharsets.UTF_8);
    byte[] blob = b.seal(plain, AAD);
    assertEquals(Barrier.HEADER_BYTES + AesGcm.NONCE_BYTES + plain.length + AesGcm.TAG_BYTES, blob.length);
    assertArrayEquals(plain, b.open(blob, AAD));
    assertEquals(1, b.encryptions(1));
  }

  @Test
  void sameInputSealsDifferentlyEachTime() {
    Barrier b = unsealed();
    byte[] plain = "x".getBytes(StandardCharsets.UTF_8);
    assertFalse(java.util.Arrays.equals(b.seal(plain, AAD), b.seal(plain, AAD)));
  }

  @Test
  void everyFlippedByteIsDetected() {
    Barrier b = unsealed();
    byte[] blob = b.seal("the secret".getBytes(StandardCharsets.UTF_8), AAD);
    for (int i = 0; i < blob.length; i++) {
      byte[] altered = blob.clone();
      altered[i] ^= 0x01;
      assertThrows(IntegrityException.class, () -> b.open(altered, AAD), "byte " + i);
    }
  }

  @Test
  void blobBoundToItsAssociatedData() {
    Barrier b = unsealed();
    byte[] blob = b.seal("v".getBytes(StandardCharsets.UTF_8), AAD);
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> b.open(blob, "kv|abc/other".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().startsWith(IntegrityException.WIRE_PREFIX));
  }

  @Test
  void truncatedBlobIsDetected() {
    Barrier b = unsealed();
    byte[] blob = b.seal("v".getBytes(StandardCharsets.UTF_8), AAD);
    assertThrows(IntegrityException.class, () -> b.open(java.util.Arrays.copyOf(blob, blob.length - 1), AAD));
    assertThrows(IntegrityException.class, () -> b.open(new byte[3], AAD));
  }

  @Test
  void sealedBarrierRefusesAndZeroesKeys() {
    Barrier b = new Barrier();
    assertTrue(b.isSealed());
    SealedException e = assertThrows(SealedException.class, () -> b.seal(new byte[1], AAD));
    assertEquals("Vault is sealed", e.getMessage());
    Keyring ring = Keyring.generate(Instant.now());
    byte[] key = ring.activeTerm().key();
    b.install(ring);
    byte[] blob = b.seal(new byte[] {1, 2, 3}, AAD);
    b.drop();
    assertTrue(b.isSealed());
    assertArrayEquals(new byte[AesGcm.KEY_BYTES], key, "keys are overwritten when the barrier seals");
    assertThrows(SealedException.class, () -> b.open(blob, AAD));
  }

  @Test
  void olderTermsStillDecryptAfterRotation() {
    Barrier b = new Barrier();
    Keyring ring = Keyring.generate(Instant.now());
    b.install(ring);
    byte[] old = b.seal("old".getBytes(StandardCharsets.UTF_8), AAD);
    b.install(ring.rotate(Instant.now()));
    byte[] fresh = b.seal("new".getBytes(StandardCharsets.UTF_8), AAD);
    assertEquals(2, java.nio.ByteBuffer.wrap(fresh).getInt(), "new writes use the newest term");
    assertArrayEquals("old".getBytes(StandardCharsets.UTF_8), b.open(old, AAD));
    assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), b.open(fresh, AAD));
  }

  @Test
  void keyringEncodesAndDecodes() {
    Keyring ring = Keyring.generate(Instant.ofEpochMilli(1000)).rotate(Instant.ofEpochMilli(2000));
    Keyring back = Keyring.decode(ring.encode());
    assertEquals(2, back.activeTerm().term());
    assertArrayEquals(ring.term(1).key(), back.term(1).key());
    assertEquals(Instant.ofEpochMilli(2000), back.term(2).installTime());
    assertThrows(IntegrityException.class, () -> Keyring.decode(new byte[] {1, 0, 0, 0, 5}));
  }

  @Test
  void aKeyTermNeverPrintsItsKey() {
    byte[] key = new byte[AesGcm.KEY_BYTES];
    java.util.Arrays.fill(key, (byte) 0x7e);
    String s = new Keyring.Term(3, key, Instant.EPOCH).toString();
    assertFalse(s.contains(java.util.HexFormat.of().formatHex(key)) || s.contains("[B@"), s);
    assertTrue(s.contains("term=3"), s);
  }
}
