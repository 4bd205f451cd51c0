#include "nodes/register_builtin_nodes.h"

namespace riffle {

void registerBuiltinNodes(NodeRegistry& registry) {
    // Sources
    registerClickstreamSource(registry);
    registerMetricsSource(registry);
    registerNexmarkSource(registry);
    registerFileSource(registry);
    registerRecordingSource(registry);
    registerTcpSource(registry);
    registerUdpSource(registry);
    registerWebSocketSource(registry);
    registerMqttSource(registry);
    registerKafkaSource(registry);
    // Transforms
    registerFilter(registry);
    registerMap(registry);
    registerUnion(registry);
    registerDedupe(registry);
    registerLookup(registry);
    registerTopN(registry);
    // Windows
    registerTumblingWindow(registry);
    registerHoppingWindow(registry);
    registerSessionWindow(registry);
    // Aggregates
    registerRunningAggregate(registry);
    // Alerts
    registerAlertThreshold(registry);
    // Joins
    registerWindowJoin(registry);
    // Sinks
    registerFileSink(registry);
    registerSqliteSink(registry);
    registerRecordingSink(registry);
    registerMqttSink(registry);
    registerKafkaSink(registry);
    registerLogSink(registry);
    registerChartSinks(registry);
}

const NodeRegistry& builtinNodeRegistry() {
    static const NodeRegistry registry = [] {
        NodeRegistry r;
        registerBuiltinNodes(r);
        return r;
    }();
    return registry;
}

}  // namespace riffle
