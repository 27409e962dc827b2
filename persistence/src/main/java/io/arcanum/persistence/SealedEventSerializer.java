package io.arcanum.persistence;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.arcanum.domain.barrier.Barrier;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import java.io.IOException;
import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * Serializes {@link SealedEvent}s with Jackson CBOR and seals the bytes with this node's
 * {@link Barrier} before they reach the journal.
 *
 * <p>Stored layout: {@code format (1) | entity id length (2) | entity id (UTF-8) | sealed blob}. The
 * entity id is in the clear so that the blob can be opened without the persistence id (a serializer
 * never sees it); it is authenticated as associated data together with the manifest, so an altered
 * id, type or blob fails to open, and the entity checks the id against its own on replay.
 *
 * <p>A blob that fails to open is handed to the entity as a {@link TamperedEvent} instead of failing
 * the replay, so that the entity can answer with an integrity error rather than stop.
 */
public final class SealedEventSerializer extends SerializerWithStringManifest {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SealedEventSerializer.class);

  /** Serializer identifier registered in reference.conf. */
  public static final int IDENTIFIER = 1_704_201;

  private static final byte FORMAT = 1;

  private final ExtendedActorSystem system;
  private final ObjectMapper mapper;

  /**
   * Called by Pekko's serialization extension.
   *
   * @param system the actor system whose barrier seals and opens
   */
  public SealedEventSerializer(ExtendedActorSystem system) {
    this.system = system;
    this.mapper = JacksonObjectMapperProvider.get(system)
        .getOrCreate("arcanum-sealed", Optional.of(new CBORFactory()));
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return o instanceof TamperedEvent t ? t.manifest() : o.getClass().getName();
  }

  /**
   * Seals an event: {@code format | id length | entity id | sealed blob}; a {@link TamperedEvent}
   * (an event read back that failed to open) is written back exactly as it was read.
   *
   * @param o a {@link SealedEvent}
   * @return the stored form
   * @throws IllegalArgumentException if {@code o} is not a sealed event
   */
  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof TamperedEvent t) {
      return t.stored().clone();
    }
    if (!(o instanceof SealedEvent event)) {
      throw new IllegalArgumentException("cannot seal " + o.getClass().getName());
    }
    byte[] id = event.entityId().getBytes(StandardCharsets.UTF_8);
    if (id.length > 0xffff) {
      throw new IllegalArgumentException("entity id too long");
    }
    byte[] plain;
    try {
      plain = mapper.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize " + o.getClass().getName(), e);
    }
    byte[] blob;
    try {
      blob = barrier().seal(plain, aad(manifest(o), id));
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
    ByteBuffer out = ByteBuffer.allocate(1 + 2 + id.length + blob.length);
    out.put(FORMAT).putShort((short) id.length).put(id).put(blob);
    return out.array();
  }

  /**
   * Opens a stored event; one that fails its integrity check becomes a {@link TamperedEvent} and is
   * logged (entity named as stored, event type, reason; never any content).
   *
   * @param bytes what {@link #toBinary} wrote
   * @param manifest the event's class name
   * @return the event, or a {@link TamperedEvent}
   * @throws NotSerializableException if the opened bytes do not decode as the named type
   */
  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    Object event = open(bytes, manifest);
    if (event instanceof TamperedEvent t) {
      LOG.error("integrity check failed for a stored {} of entity {}: {}", printable(manifest),
          printable(t.entityId()), t.reason());
    }
    return event;
  }

  private static String printable(String s) {
    String clean = s.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 300 ? clean.substring(0, 300) + "..." : clean;
  }

  private Object open(byte[] bytes, String manifest) throws NotSerializableException {
    String entityId = "";
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      if (in.get() != FORMAT) {
        return new TamperedEvent(entityId, "unknown stored event format", manifest, bytes);
      }
      int idLen = Short.toUnsignedInt(in.getShort());
      byte[] id = new byte[idLen];
      in.get(id);
      entityId = new String(id, StandardCharsets.UTF_8);
      byte[] blob = new byte[in.remaining()];
      in.get(blob);
      Class<?> type = Class.forName(manifest, false, system.dynamicAccess().classLoader());
      if (!SealedEvent.class.isAssignableFrom(type)) {
        return new TamperedEvent(entityId, "stored event has a foreign type", manifest, bytes);
      }
      byte[] plain = barrier().open(blob, aad(manifest, id));
      try {
        return mapper.readValue(plain, type);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (IntegrityException e) {
      return new TamperedEvent(entityId, e.detail(), manifest, bytes);
    } catch (java.nio.BufferUnderflowException | ClassNotFoundException e) {
      return new TamperedEvent(entityId, "malformed stored event", manifest, bytes);
    } catch (IOException e) {
      throw new NotSerializableException("sealed event of type " + manifest + " could not be decoded");
    }
  }

  private Barrier barrier() {
    return BarrierExtension.get(system).barrier();
  }

  private static byte[] aad(String manifest, byte[] entityId) {
    byte[] m = manifest.getBytes(StandardCharsets.UTF_8);
    byte[] aad = new byte[m.length + 1 + entityId.length];
    System.arraycopy(m, 0, aad, 0, m.length);
    System.arraycopy(entityId, 0, aad, m.length + 1, entityId.length);
    return aad;
  }
}
