package io.arcanum.domain.barrier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.PacketCipherException;
import org.bouncycastle.crypto.modes.AESGCMPacketCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/**
 * Known answers for AES-256-GCM on whichever implementation Bouncy Castle picks on this machine (native
 * or Java); the build runs this class a second time with {@code org.bouncycastle.native.cpu_variant=java}
 * (see domain/pom.xml), so that both paths are covered. Vectors: test cases 13, 14 and 16 of McGrew and
 * Viega, "The Galois/Counter Mode of Operation (GCM)", the AES-256 cases of NIST's GCM validation
 * examples; each is also checked against the JDK's own GCM, an independent implementation.
 */
class AesGcmKnownAnswerTest {

  private static final HexFormat HEX = HexFormat.of();

  /** A vector: key, nonce, plaintext, associated data, ciphertext, tag (hex). */
  private record Vector(String name, String key, String iv, String plaintext, String aad, String ciphertext,
      String tag) {}

  private static final Vector[] VECTORS = {
      new Vector("13", "0000000000000000000000000000000000000000000000000000000000000000",
          "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"),
      new Vector("14", "0000000000000000000000000000000000000000000000000000000000000000",
          "000000000000000000000000", "00000000000000000000000000000000", "",
          "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
      new Vector("16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
          "cafebabefacedbaddecaf888",
          "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
              + "b16aedf5aa0de657ba637b39",
          "feedfacedeadbeeffeedfacedeadbeefabaddad2",
          "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
              + "c5f61e6393ba7a0abcc9f662",
          "76fc6ece0f4e1768cddf8853bb2d551b"),
  };

  @Test
  void knownAnswersOnThisMachinesPath() throws Exception {
    System.out.println("AES-GCM implementation: " + AesGcm.implementation());
    String forced = System.getProperty("org.bouncycastle.native.cpu_variant");
    if ("java".equals(forced)) {
      assertEquals("java", AesGcm.implementation(), "the Java path was asked for");
    }
    for (Vector v : VECTORS) {
      byte[] key = HEX.parseHex(v.key());
      byte[] iv = HEX.parseHex(v.iv());
      byte[] pt = HEX.parseHex(v.plaintext());
      byte[] aad = HEX.parseHex(v.aad());
      byte[] expected = HEX.parseHex(v.ciphertext() + v.tag());
      assertArrayEquals(expected, jdk(Cipher.ENCRYPT_MODE, key, iv, aad, pt), "the vector itself, case " + v.name());
      // sealed layout: nonce | ciphertext | tag; decrypt must give the plaintext back
      byte[] sealed = new byte[AesGcm.NONCE_BYTES + expected.length];
      System.arraycopy(iv, 0, sealed, 0, iv.length);
      System.arraycopy(expected, 0, sealed, AesGcm.NONCE_BYTES, expected.length);
      assertArrayEquals(pt, AesGcm.decrypt(key, sealed, aad), "decrypt, case " + v.name());
      // encrypt with the one-shot call AesGcm makes (its factory picks native where available), nonce given
      byte[] out = new byte[expected.length];
      AESGCMPacketCipher.newInstance().processPacket(true, new AEADParameters(new KeyParameter(key), 128, iv, aad),
          pt, 0, pt.length, out, 0);
      assertArrayEquals(expected, out, "encrypt, case " + v.name());
    }
  }

  @Test
  void everyAlteredBitOfTagCiphertextNonceOrAssociatedDataIsRejected() {
    Vector v = VECTORS[2];
    byte[] key = HEX.parseHex(v.key());
    byte[] aad = HEX.parseHex(v.aad());
    byte[] sealed = HEX.parseHex(v.iv() + v.ciphertext() + v.tag());
    for (int bit = 0; bit < sealed.length * 8; bit++) {
      byte[] altered = sealed.clone();
      altered[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(IntegrityException.class, () -> AesGcm.decrypt(key, altered, aad), "bit " + bit);
    }
    byte[] otherAad = aad.clone();
    otherAad[0] ^= 1;
    assertThrows(IntegrityException.class, () -> AesGcm.decrypt(key, sealed, otherAad));
    byte[] otherKey = key.clone();
    otherKey[31] ^= (byte) 0x80;
    assertThrows(IntegrityException.class, () -> AesGcm.decrypt(otherKey, sealed, aad));
    assertThrows(IntegrityException.class, () -> AesGcm.decrypt(key, new byte[AesGcm.NONCE_BYTES + 15], aad));
  }

  @Test
  void roundTripsOfEveryLengthAgreeWithTheJdk() throws Exception {
    byte[] key = AesGcm.randomBytes(32);
    byte[] aad = "arcanum|test".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int n = 0; n <= 1400; n += (n < 64 ? 1 : 37)) {
      byte[] pt = AesGcm.randomBytes(n);
      byte[] sealed = AesGcm.encrypt(key, pt, aad);
      byte[] iv = java.util.Arrays.copyOf(sealed, AesGcm.NONCE_BYTES);
      byte[] body = java.util.Arrays.copyOfRange(sealed, AesGcm.NONCE_BYTES, sealed.length);
      assertArrayEquals(pt, jdk(Cipher.DECRYPT_MODE, key, iv, aad, body), "the JDK opens what we sealed, length " + n);
      assertArrayEquals(pt, AesGcm.decrypt(key, sealed, aad), "length " + n);
    }
  }

  @Test
  void aTamperedTagFailsTheOneShotCallItself() {
    Vector v = VECTORS[1];
    byte[] ct = HEX.parseHex(v.ciphertext() + v.tag());
    ct[ct.length - 1] ^= 1;
    assertThrows(PacketCipherException.class, () -> AESGCMPacketCipher.newInstance().processPacket(false,
        new AEADParameters(new KeyParameter(HEX.parseHex(v.key())), 128, HEX.parseHex(v.iv()), new byte[0]),
        ct, 0, ct.length, new byte[ct.length - 16], 0));
  }

  private static byte[] jdk(int mode, byte[] key, byte[] iv, byte[] aad, byte[] in) throws Exception {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
    c.updateAAD(aad);
    return c.doFinal(in);
  }
}
