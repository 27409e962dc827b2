package io.arcanum.localcassandra;

/**
 * A local Cassandra could not be started, stopped or inspected. When the node itself failed,
 * {@link #getMessage()} ends with the last lines of its {@code system.log} and {@code stdout.log}.
 */
public final class LocalCassandraException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String summary;
    private final String logTail;

    /**
     * @param summary one-line description of what failed
     * @param logTail last lines of the node's logs, or an empty string
     * @param cause underlying failure, may be null
     */
    public LocalCassandraException(String summary, String logTail, Throwable cause) {
        super(logTail == null || logTail.isBlank() ? summary : summary + System.lineSeparator() + logTail, cause);
        this.summary = summary;
        this.logTail = logTail == null ? "" : logTail;
    }

    /**
     * @param summary one-line description of what failed
     */
    public LocalCassandraException(String summary) {
        this(summary, "", null);
    }

    /** @return the one-line description, without the log tail */
    public String summary() {
        return summary;
    }

    /** @return the last lines of the node's logs, possibly empty */
    public String logTail() {
        return logTail;
    }
}
