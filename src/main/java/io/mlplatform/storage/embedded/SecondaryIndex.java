package io.mlplatform.storage.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.Document;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * A non-unique index of the embedded MongoDB (the library ignores those: every query on them was a full scan). It
 * lives in memory, ordered by its keys, and is rebuilt from the collection when the store opens; the collection
 * ({@link IndexedCollection}) uses it for equality on a prefix of its keys, in the order of the next key.
 * A position is the document's _id, as in the H2 collection.
 */
final class SecondaryIndex extends Index<Object> {
  private static final Comparator<KeyValue> ORDER = (a, b) -> {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = ValueComparator.asc().compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  };

  private final TreeMap<KeyValue, Set<Object>> entries = new TreeMap<>(ORDER);
  private long count;

  SecondaryIndex(String name, List<IndexKey> keys, boolean sparse) {
    super(name, keys, sparse);
  }

  List<String> fields() {
    return keys();
  }

  /**
   * The positions of documents whose first {@code prefix.size()} keys equal {@code prefix} (normalized values), in
   * the order of the keys after it, reversed when {@code descending}.
   */
  synchronized List<Object> positions(List<Object> prefix, boolean descending) {
    NavigableMap<KeyValue, Set<Object>> range = prefix.isEmpty() ? entries : entries.tailMap(new KeyValue(prefix), true);
    List<Object> out = new ArrayList<>();
    for (Map.Entry<KeyValue, Set<Object>> entry : range.entrySet()) {
      if (!startsWith(entry.getKey(), prefix)) {
        break;
      }
      out.addAll(entry.getValue());
    }
    if (descending) {
      java.util.Collections.reverse(out);
    }
    // a multikey document appears once per value
    return new ArrayList<>(new LinkedHashSet<>(out));
  }

  /** The key values of {@code equalities} (field to value) as this index stores them. */
  List<Object> normalized(Document equalities) {
    KeyValue values = getKeyValues(equalities).iterator().next();
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < equalities.size(); i++) {
      out.add(values.get(i));
    }
    return out;
  }

  private static boolean startsWith(KeyValue key, List<Object> prefix) {
    for (int i = 0; i < prefix.size(); i++) {
      if (ValueComparator.asc().compare(key.get(i), prefix.get(i)) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Object getPosition(Document document) {
    return null;
  }

  @Override
  public void checkAdd(Document document, MongoCollection<Object> collection) {
  }

  @Override
  public synchronized void add(Document document, Object position, MongoCollection<Object> collection) {
    for (KeyValue key : getKeyValues(document)) {
      if (entries.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(position)) {
        count++;
      }
    }
  }

  @Override
  public synchronized Object remove(Document document) {
    Object position = Utils.getSubdocumentValue(document, "_id");
    for (KeyValue key : getKeyValues(document)) {
      Set<Object> positions = entries.get(key);
      if (positions != null && positions.remove(position)) {
        count--;
        if (positions.isEmpty()) {
          entries.remove(key);
        }
      }
    }
    return position;
  }

  /** Never chosen by the library's planner: {@link IndexedCollection} plans for it. */
  @Override
  public boolean canHandle(Document query) {
    return false;
  }

  @Override
  public Iterable<Object> getPositions(Document query) {
    throw new UnsupportedOperationException("planned by IndexedCollection");
  }

  @Override
  public synchronized long getCount() {
    return count;
  }

  @Override
  public long getDataSize() {
    return 0;
  }

  @Override
  public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Object> collection) {
  }

  @Override
  public synchronized void updateInPlace(Document oldDocument, Document newDocument, Object position,
                                         MongoCollection<Object> collection) {
    remove(oldDocument);
    add(newDocument, position, collection);
  }

  @Override
  public synchronized void drop() {
    entries.clear();
    count = 0;
  }
}
