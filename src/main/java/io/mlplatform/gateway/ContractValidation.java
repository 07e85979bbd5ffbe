package io.mlplatform.gateway;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidationContext;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.LabelTransformer;
import io.vertx.openapi.validation.transformer.MatrixTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates each request against its operation in the contract, on the event loop, with vertx-openapi's own
 * parameter transformers and the contract's schemas. vertx-openapi 5.0 runs the same checks through an ordered
 * executeBlocking (one request at a time per event loop, each a worker round trip) and builds a new schema validator,
 * copying every schema of the contract, for each parameter of each request: that capped a simple GET at a few
 * thousand requests a second. Here each schema's validator is built once.
 */
final class ContractValidation {
  private static final Map<Style, ParameterTransformer> TRANSFORMERS = Map.of(
      Style.SIMPLE, new SimpleTransformer(), Style.FORM, new FormTransformer(),
      Style.LABEL, new LabelTransformer(), Style.MATRIX, new MatrixTransformer());

  private final RequestValidatorImpl library;
  private final SchemaRepository schemas;
  private final Map<JsonSchema, Validator> validators = new ConcurrentHashMap<>();
  private final RequestExtractor extractor = RequestExtractor.withBodyHandler();

  ContractValidation(Vertx vertx, OpenAPIContract contract) {
    this.library = new RequestValidatorImpl(vertx, contract);
    this.schemas = contract.getSchemaRepository();
  }

  /** Puts this validation first on every route but those whose bodies are checked in code ({@code checkedInCode}). */
  void install(RouterBuilder api, Set<String> checkedInCode) {
    for (OpenAPIRoute route : api.getRoutes()) {
      route.setDoValidation(false);
      if (!checkedInCode.contains(route.getOperation().getOperationId())) {
        route.addHandler(handlerFor(route.getOperation()));
      }
    }
  }

  private Handler<RoutingContext> handlerFor(Operation operation) {
    return ctx -> extractor.extractValidatableRequest(ctx, operation).onComplete(extracted -> {
      if (extracted.failed()) {
        ctx.fail(400, extracted.cause());
        return;
      }
      ValidatedRequest validated;
      try {
        validated = validate(extracted.result(), operation);
      } catch (RuntimeException e) {
        ctx.fail(400, e);
        return;
      }
      ctx.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
      ctx.next();
    });
  }

  private ValidatedRequest validate(ValidatableRequest request, Operation operation) {
    Map<String, RequestParameter> cookies = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    for (Parameter parameter : operation.getParameters()) {
      String name = parameter.getName();
      switch (parameter.getIn()) {
        case COOKIE -> cookies.put(name, parameter(parameter, request.getCookies().get(name)));
        case HEADER -> headers.put(name, parameter(parameter, request.getHeaders().get(name)));
        case PATH -> path.put(name, parameter(parameter, request.getPathParameters().get(name)));
        case QUERY -> query.put(name, parameter(parameter, request.getQuery().get(name)));
      }
    }
    return new ValidatedRequestImpl(cookies, headers, path, query, body(operation.getRequestBody(), request));
  }

  private RequestParameter parameter(Parameter parameter, RequestParameter value) {
    if (value == null || value.isNull()) {
      if (parameter.isRequired()) {
        throw ValidatorException.createMissingRequiredParameter(parameter);
      }
      return new RequestParameterImpl(null);
    }
    ParameterTransformer transformer = TRANSFORMERS.get(parameter.getStyle());
    if (transformer == null) {
      throw ValidatorException.createUnsupportedValueFormat(parameter);
    }
    Object transformed = transformer.transform(parameter, String.valueOf(value.get()));
    OutputUnit result = validator(parameter.getSchema()).validate(transformed);
    try {
      result.checkValidity();
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createErrorFromOutputUnitType(parameter, result, e);
    }
    return new RequestParameterImpl(transformed);
  }

  /** A JSON body checked against its schema; other media types as vertx-openapi checks them. */
  private RequestParameter body(RequestBody spec, ValidatableRequest request) {
    if (spec == null) {
      return new RequestParameterImpl(null);
    }
    MediaType mediaType = spec.determineContentType(request.getContentType());
    RequestParameter body = request.getBody();
    if (mediaType == null || !MediaType.APPLICATION_JSON.equals(mediaType.getIdentifier())
        || body == null || body.isEmpty()) {
      return library.validateBody(spec, request);
    }
    Object json = Json.decodeValue(body.getBuffer(Buffer.buffer()));
    OutputUnit result = validator(mediaType.getSchema()).validate(json);
    try {
      result.checkValidity();
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createInvalidValueBody(result, ValidationContext.REQUEST, e);
    }
    return new RequestParameterImpl(json);
  }

  private Validator validator(JsonSchema schema) {
    return validators.computeIfAbsent(schema, schemas::validator);
  }
}
