package io.mlplatform.runtime;

import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.client.WebClient;

import java.util.Map;

/**
 * What a model loaded for online predictions may use on its node: the worker pool it scores on, the node's web
 * client (for models behind an API), and the environment (where API keys are).
 */
public record Serving(WorkerExecutor workers, WebClient web, Map<String, String> environment) {
}
