package io.mlplatform.execution.jobs;

import ai.onnx.proto.OnnxMl;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.util.List;
import java.util.Map;

/**
 * Writes a trained pipeline as an ONNX model when its shape is supported, so that it serves online on onnxruntime
 * (scoring one row through Spark costs 100–400 ms). Supported now: feature assembly, then a binary logistic regression
 * (output "probability" [n, 2], in the label indexer's order) or a linear regression (output "prediction" [n, 1]).
 */
final class OnnxExport {
  /** The ONNX bytes and the class labels (for classifiers), or the reason there is no export. */
  record Result(byte[] onnx, List<String> labels, String unsupported) {
  }

  private OnnxExport() {
  }

  static Result of(PipelineModel pipeline) {
    Transformer[] stages = pipeline.stages();
    if (stages.length < 2 || !(stages[0] instanceof VectorAssembler assembler)) {
      return unsupported("the pipeline does not start with a feature assembler");
    }
    int features = assembler.getInputCols().length;
    Transformer last = stages[stages.length - 1];
    List<String> labels = null;
    for (int i = 1; i < stages.length - 1; i++) {
      if (stages[i] instanceof StringIndexerModel indexer) {
        labels = List.of(indexer.labelsArray()[0]);
      } else {
        return unsupported("stage " + stages[i].getClass().getSimpleName() + " has no ONNX export yet");
      }
    }
    ONNXContext context = new ONNXContext();
    ONNXPlaceholder input = context.floatInput("input", features);
    if (last instanceof LogisticRegressionModel logistic) {
      if (logistic.numClasses() != 2) {
        return unsupported("multinomial logistic regression has no ONNX export yet");
      }
      ONNXNode score = linear(context, input, logistic.coefficients().toArray(), logistic.intercept());
      ONNXNode positive = score.apply(ONNXOperators.SIGMOID);
      ONNXNode negative = context.array("one", new float[]{1f}).apply(ONNXOperators.SUB, positive);
      negative.apply(ONNXOperators.CONCAT, positive, Map.of("axis", 1)).assignTo(context.floatOutput("probability", 2));
      return new Result(bytes(context), labels, null);
    }
    if (last instanceof LinearRegressionModel regression) {
      linear(context, input, regression.coefficients().toArray(), regression.intercept())
          .assignTo(context.floatOutput("prediction", 1));
      return new Result(bytes(context), null, null);
    }
    return unsupported(last.getClass().getSimpleName() + " has no ONNX export yet (supported: binary logistic"
        + " regression, linear regression)");
  }

  /** input × coefficients + intercept, as a Gemm. */
  private static ONNXNode linear(ONNXContext context, ONNXPlaceholder input, double[] coefficients, double intercept) {
    ONNXInitializer weights = context.floatTensor("weights", List.of(coefficients.length, 1), buffer -> {
      for (double coefficient : coefficients) {
        buffer.put((float) coefficient);
      }
    });
    ONNXInitializer bias = context.array("bias", new float[]{(float) intercept});
    List<ONNXRef<?>> operands = List.of(weights, bias);
    return input.apply(ONNXOperators.GEMM, operands);
  }

  private static byte[] bytes(ONNXContext context) {
    context.setName("mlplatform-pipeline");
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("mlplatform")
        .setDomain("io.mlplatform")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(ONNXOperators.getOpsetVersion()).build())
        .setGraph(context.buildGraph())
        .build().toByteArray();
  }

  private static Result unsupported(String reason) {
    return new Result(null, null, reason);
  }
}
