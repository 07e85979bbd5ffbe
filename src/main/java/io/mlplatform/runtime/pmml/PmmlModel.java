package io.mlplatform.runtime.pmml;

import io.mlplatform.runtime.DataType;
import io.mlplatform.runtime.InProcessModel;
import io.mlplatform.runtime.Tensor;
import io.mlplatform.runtime.TensorSpec;
import io.vertx.core.WorkerExecutor;
import org.pmml4s.metadata.Field;
import org.pmml4s.metadata.OutputField;
import org.pmml4s.model.Model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A PMML model scored with pmml4s: one scalar input tensor per active field, one output tensor per output field. */
public final class PmmlModel extends InProcessModel {
  private final Model model;

  private PmmlModel(Model model, WorkerExecutor workers) {
    super("pmml4s", inputSpecs(model), outputSpecs(model), workers);
    this.model = model;
  }

  private static List<TensorSpec> inputSpecs(Model model) {
    List<TensorSpec> in = new ArrayList<>();
    for (Field field : model.inputFields()) {
      in.add(new TensorSpec(field.name(), field.isNumeric() ? DataType.FP64 : DataType.BYTES, new long[]{-1}));
    }
    return in;
  }

  private static List<TensorSpec> outputSpecs(Model model) {
    List<TensorSpec> out = new ArrayList<>();
    for (OutputField field : model.outputFields()) {
      out.add(new TensorSpec(field.name(), field.dataType().isNumeric() ? DataType.FP64 : DataType.BYTES,
          new long[]{-1}));
    }
    return out;
  }

  /** Parses the file (blocking: call it from a worker thread). */
  public static PmmlModel load(Path file, WorkerExecutor workers) {
    byte[] document;
    try {
      document = java.nio.file.Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    // pmml4s's parser would resolve a DTD: it never sees one
    PmmlDocuments.requireNoDoctype(document);
    return new PmmlModel(Model.fromBytes(document), workers);
  }

  @Override
  protected Map<String, Tensor> run(Map<String, Tensor> batch) {
    int rows = batch.values().iterator().next().rows();
    Map<String, Object> columns = new LinkedHashMap<>();
    for (TensorSpec spec : outputs()) {
      columns.put(spec.name(), spec.type() == DataType.FP64 ? new double[rows] : new String[rows]);
    }
    for (int r = 0; r < rows; r++) {
      Map<String, Object> record = new HashMap<>();
      for (Tensor tensor : batch.values()) {
        record.put(tensor.name(), tensor.type() == DataType.FP64 ? ((double[]) tensor.data())[r] : ((String[]) tensor.data())[r]);
      }
      Map<String, Object> scored = model.predict(record);
      for (TensorSpec spec : outputs()) {
        Object value = scored.get(spec.name());
        if (spec.type() == DataType.FP64) {
          ((double[]) columns.get(spec.name()))[r] = value instanceof Number n ? n.doubleValue() : Double.NaN;
        } else {
          ((String[]) columns.get(spec.name()))[r] = value == null ? null : value.toString();
        }
      }
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (TensorSpec spec : outputs()) {
      out.put(spec.name(), new Tensor(spec.name(), spec.type(), new long[]{rows}, columns.get(spec.name())));
    }
    return out;
  }

  @Override
  public void close() {
    // nothing native to release
  }
}
