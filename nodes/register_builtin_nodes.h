#pragma once
#include "engine/graph/node_registry.h"

namespace riffle {

// Registers every built-in node type. Called once at start-up by riffle, riffle-run,
// riffle-bench and the tests; explicit, so that no linker can drop a node type.
void registerBuiltinNodes(NodeRegistry& registry);
// A registry with every built-in node type, made on first use (thread-safe), for tools and tests
// that need nothing else.
const NodeRegistry& builtinNodeRegistry();

// One function per node type, defined next to its operator.
void registerClickstreamSource(NodeRegistry& registry);
void registerMetricsSource(NodeRegistry& registry);
void registerNexmarkSource(NodeRegistry& registry);
void registerFileSource(NodeRegistry& registry);
void registerRecordingSource(NodeRegistry& registry);
void registerTcpSource(NodeRegistry& registry);
void registerUdpSource(NodeRegistry& registry);
void registerWebSocketSource(NodeRegistry& registry);
void registerMqttSource(NodeRegistry& registry);
void registerKafkaSource(NodeRegistry& registry);
void registerFilter(NodeRegistry& registry);
void registerMap(NodeRegistry& registry);
void registerUnion(NodeRegistry& registry);
void registerDedupe(NodeRegistry& registry);
void registerLookup(NodeRegistry& registry);
void registerTopN(NodeRegistry& registry);
void registerTumblingWindow(NodeRegistry& registry);
void registerHoppingWindow(NodeRegistry& registry);
void registerSessionWindow(NodeRegistry& registry);
void registerRunningAggregate(NodeRegistry& registry);
void registerAlertThreshold(NodeRegistry& registry);
void registerWindowJoin(NodeRegistry& registry);
void registerFileSink(NodeRegistry& registry);
void registerSqliteSink(NodeRegistry& registry);
void registerRecordingSink(NodeRegistry& registry);
void registerMqttSink(NodeRegistry& registry);
void registerKafkaSink(NodeRegistry& registry);
void registerLogSink(NodeRegistry& registry);
void registerChartSinks(NodeRegistry& registry);

}  // namespace riffle
