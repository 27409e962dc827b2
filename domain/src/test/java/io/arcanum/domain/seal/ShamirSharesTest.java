package io.arcanum.domain.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.arcanum.domain.barrier.AesGcm;
import io.arcanum.domain.barrier.IntegrityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShamirSharesTest {

  @Test
  void anyThresholdSubsetCombines() {
    byte[] secret = AesGcm.randomBytes(32);
    List<byte[]> shares = ShamirShares.split(secret, 5, 3);
    assertEquals(5, shares.size());
    shares.forEach(s -> assertEquals(33, s.length));
    int[][] subsets = {{0, 1, 2}, {2, 3, 4}, {0, 2, 4}, {4, 1, 3}, {0, 1, 2, 3, 4}};
    for (int[] subset : subsets) {
      List<byte[]> pick = new ArrayList<>();
      for (int i : subset) {
        pick.add(shares.get(i));
      }
      assertArrayEquals(secret, ShamirShares.combine(pick), Arrays.toString(subset));
    }
  }

  @Test
  void belowThresholdDoesNotGiveTheSecret() {
    byte[] secret = AesGcm.randomBytes(32);
    List<byte[]> shares = ShamirShares.split(secret, 5, 3);
    assertFalse(Arrays.equals(secret, ShamirShares.combine(List.of(shares.get(0), shares.get(1)))));
  }

  @Test
  void oneShareIsTheKeyItself() {
    byte[] secret = AesGcm.randomBytes(32);
    List<byte[]> shares = ShamirShares.split(secret, 1, 1);
    assertArrayEquals(secret, Arrays.copyOf(shares.get(0), 32));
    assertArrayEquals(secret, ShamirShares.combine(shares));
  }

  @Test
  void badCountsAndSharesAreRefused() {
    byte[] secret = AesGcm.randomBytes(32);
    assertThrows(IllegalArgumentException.class, () -> ShamirShares.split(secret, 3, 4));
    assertThrows(IllegalArgumentException.class, () -> ShamirShares.split(secret, 256, 2));
    assertThrows(IllegalArgumentException.class, () -> ShamirShares.split(secret, 0, 0));
    List<byte[]> shares = ShamirShares.split(secret, 3, 2);
    assertThrows(IllegalArgumentException.class, () -> ShamirShares.combine(List.of(shares.get(0), shares.get(0))));
    assertThrows(IllegalArgumentException.class, () -> ShamirShares.combine(List.of(shares.get(0), new byte[5])));
  }

  @Test
  void unsealProgressCombinesAtThresholdAndOpensTheKeys() {
    SealKeys.Initialization init = SealKeys.initialize(5, 3, Instant.now());
    UnsealProgress progress = new UnsealProgress();
    assertTrue(progress.submit(init.unsealShares().get(4), 3).isEmpty());
    String nonce = progress.status().nonce();
    assertFalse(nonce.isEmpty());
    assertTrue(progress.submit(init.unsealShares().get(4), 3).isEmpty(), "a repeated share does not count");
    assertEquals(1, progress.status().progress());
    assertTrue(progress.submit(init.unsealShares().get(1), 3).isEmpty());
    assertEquals(2, progress.status().progress());
    Optional<byte[]> key = progress.submit(init.unsealShares().get(2), 3);
    assertTrue(key.isPresent());
    assertEquals(0, progress.status().progress());
    assertArrayEquals(init.keyring().activeTerm().key(),
        SealKeys.unseal(init.stored(), key.get()).activeTerm().key());
  }

  @Test
  void wrongSharesFailToOpenTheKeys() {
    SealKeys.Initialization init = SealKeys.initialize(3, 2, Instant.now());
    SealKeys.Initialization other = SealKeys.initialize(3, 2, Instant.now());
    byte[] wrong = ShamirShares.combine(List.of(init.unsealShares().get(0), other.unsealShares().get(1)));
    assertThrows(IntegrityException.class, () -> SealKeys.unseal(init.stored(), wrong));
  }
}
