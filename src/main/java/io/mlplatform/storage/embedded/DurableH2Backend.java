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
