package io.mlplatform.storage.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

import java.util.List;

/**
 * The H2 (MVStore) backend, made to commit each write before it is answered and to answer today's drivers' handshake.
 * The library's store commits on a one-second delay, so a kill -9 lost writes already acknowledged; here every command
 * that changed the store writes it to the file (to the OS: a killed process loses nothing, a power cut may) before its
 * answer goes. This runs on the MongoDB server's own Netty threads, never on a Vert.x event loop. Its collections use
 * their non-unique indexes ({@link SecondaryIndex}), which the library ignores.
 */
final class DurableH2Backend extends H2Backend {
  /** MongoDB 5.0 and its real wire version (13): the library's own 5.0 says 8, which mongosh 2.x refuses. */
  static final MongoVersion MONGO_5_0 = new MongoVersion() {
    @Override
    public List<Integer> getVersionArray() {
      return List.of(5, 0, 0);
    }

    @Override
    public int getWireVersion() {
      return 13;
    }
  };

  DurableH2Backend(String fileName) {
    super(fileName);
    version(MONGO_5_0);
  }

  @Override
  public Document handleCommand(Channel channel, String database, String command, Document query) {
    if (command.equalsIgnoreCase("hello")) {
      return hello(channel, database, query);
    }
    if (command.equals("aggregate")) {
      Document counted = countDocuments(database, query);
      if (counted != null) {
        return counted;
      }
    }
    try {
      return super.handleCommand(channel, database, command, query);
    } finally {
      // also after a failed command: a batch may have written part of its documents
      if (getMvStore().hasUnsavedChanges()) {
        getMvStore().commit();
      }
    }
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String name) {
    return new Database(name);
  }

  /**
   * The H2 database with {@link IndexedCollection}s and {@link SecondaryIndex}es. An inner class: H2Database opens its
   * collections in its constructor, before a field of a subclass is set, but the outer backend (its store) is there.
   */
  private final class Database extends H2Database {
    Database(String name) {
      super(name, getMvStore(), getCursorRegistry());
    }

    @Override
    protected MongoCollection<Object> openOrCreateCollection(String name, CollectionOptions options) {
      String fullName = getDatabaseName() + "." + name;
      return new IndexedCollection(this, name, options, getMvStore().openMap("databases." + fullName),
          getMvStore().openMap("meta." + fullName), getCursorRegistry());
    }

    @Override
    protected Index<Object> openOrCreateSecondaryIndex(String collection, String name, List<IndexKey> keys,
                                                       boolean sparse) {
      return new SecondaryIndex(name, keys, sparse);
    }
  }

  /**
   * The drivers' countDocuments, an aggregation [$match, ($skip), ($limit), $group {_id: 1, n: {$sum: 1}}], answered
   * by the collection's count, which uses its indexes (the library's aggregation reads every document); null for any
   * other pipeline.
   */
  @SuppressWarnings("unchecked")
  private Document countDocuments(String database, Document command) {
    if (!(command.get("aggregate") instanceof String collection) || !(command.get("pipeline") instanceof List<?> stages)
        || stages.size() < 2 || stages.size() > 4) {
      return null;
    }
    List<Document> pipeline = (List<Document>) stages;
    Document match = pipeline.get(0).get("$match") instanceof Document m && pipeline.get(0).size() == 1 ? m : null;
    Document group = pipeline.get(pipeline.size() - 1).get("$group") instanceof Document g ? g : null;
    if (match == null || group == null || group.size() != 2 || !(group.get("_id") instanceof Number one)
        || one.intValue() != 1 || !new Document("$sum", 1).equals(group.get("n"))) {
      return null;
    }
    int skip = 0;
    int limit = 0;
    for (Document stage : pipeline.subList(1, pipeline.size() - 1)) {
      if (stage.get("$skip") instanceof Number n && stage.size() == 1) {
        skip = n.intValue();
      } else if (stage.get("$limit") instanceof Number n && stage.size() == 1) {
        limit = n.intValue();
      } else {
        return null;
      }
    }
    MongoCollection<?> found = resolveDatabase(database).resolveCollection(collection, false);
    int count = found == null ? 0 : found.count(match, skip, limit);
    Document cursor = new Document("id", 0L);
    cursor.put("ns", database + "." + collection);
    cursor.put("firstBatch", count == 0 ? List.of() : List.of(new Document("_id", 1).append("n", count)));
    Document answer = new Document("cursor", cursor);
    answer.put("ok", 1.0);
    return answer;
  }

  /** `hello` (MongoDB 4.4.2+) is `isMaster` with isWritablePrimary for ismaster. */
  private Document hello(Channel channel, String database, Document query) {
    Document legacy = super.handleCommand(channel, database, "isMaster", query);
    Document answer = new Document("isWritablePrimary", legacy.get("ismaster"));
    legacy.forEach((key, value) -> {
      if (!key.equals("ismaster")) {
        answer.put(key, value);
      }
    });
    answer.put("helloOk", Boolean.TRUE);
    return answer;
  }
}
