package io.mlplatform.support;

import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LogisticRegressionTrainer;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Real model files made by the tests themselves, with no network. */
public final class TestModels {
  private TestModels() {
  }

  /** A trained classifier: its ONNX export, and the model itself to compare outputs with. */
  public record Classifier(byte[] onnx, LinearSGDModel model) {
    /** The model's own class probabilities for one row, in the order of the ONNX output. */
    public double[] probabilities(float... features) {
      double[] values = new double[features.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = features[i];
      }
      org.tribuo.Prediction<Label> prediction = model.predict(new ArrayExample<>(LabelFactory.UNKNOWN_LABEL,
          new String[]{"f0", "f1", "f2", "f3"}, values));
      double[] out = new double[model.getOutputIDInfo().size()];
      prediction.getOutputScores().forEach((name, label) -> out[model.getOutputIDInfo().getID(label)] = label.getScore());
      return out;
    }
  }

  /** A logistic-regression classifier over 4 features, trained with Tribuo and exported as ONNX. */
  public static byte[] onnxClassifier(Path dir) throws Exception {
    return classifier(dir, 7).onnx();
  }

  /** A classifier trained on data drawn with {@code seed}: another seed gives another model. */
  public static Classifier classifier(Path dir, long seed) throws Exception {
    LabelFactory labels = new LabelFactory();
    Random random = new Random(seed);
    List<org.tribuo.Example<Label>> examples = new ArrayList<>();
    String[] features = {"f0", "f1", "f2", "f3"};
    for (int i = 0; i < 200; i++) {
      double[] values = new double[4];
      for (int j = 0; j < 4; j++) {
        values[j] = random.nextGaussian();
      }
      String label = values[0] + values[1] + (seed % 3) * values[2] > 0 ? "yes" : "no";
      examples.add(new ArrayExample<>(new Label(label), features, values));
    }
    ListDataSource<Label> source = new ListDataSource<>(examples, labels,
        new SimpleDataSourceProvenance("generated", labels));
    LinearSGDModel model = (LinearSGDModel) new LogisticRegressionTrainer().train(new MutableDataset<>(source));
    Path file = Files.createTempFile(dir, "classifier", ".onnx");
    model.saveONNXModel("io.mlplatform.test", 1, file);
    return new Classifier(Files.readAllBytes(file), model);
  }

  /** A small PMML regression model: two active fields, one target. */
  public static byte[] pmmlRegression() {
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
          <Header description="test"/>
          <DataDictionary numberOfFields="3">
            <DataField name="x1" optype="continuous" dataType="double"/>
            <DataField name="x2" optype="continuous" dataType="double"/>
            <DataField name="y" optype="continuous" dataType="double"/>
          </DataDictionary>
          <RegressionModel functionName="regression">
            <MiningSchema>
              <MiningField name="x1"/>
              <MiningField name="x2"/>
              <MiningField name="y" usageType="target"/>
            </MiningSchema>
            <RegressionTable intercept="1.0">
              <NumericPredictor name="x1" coefficient="2.0"/>
              <NumericPredictor name="x2" coefficient="-1.0"/>
            </RegressionTable>
          </RegressionModel>
        </PMML>
        """.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
