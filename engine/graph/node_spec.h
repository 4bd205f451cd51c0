#pragma once
// One declaration per node type (docs/architecture.md, "One declaration per node type").
//
// A NodeSpec describes a node type as data: identity, ports, parameters, how its output schemas
// follow from its inputs and parameters, and factories for its operator. The planner, the project
// validator, `riffle-run --list-nodes`, the studio's palette and inspector and the generated node
// reference all read this one declaration.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/types.h"
#include "engine/graph/flink_export.h"
#include "engine/graph/params.h"
#include "engine/runtime/operator.h"

namespace riffle {

// What an output port carries besides the results: the studio draws late and error wires apart,
// and the runtime routes late events and failed events to them.
enum class PortKind {
    Data,
    Late,    // events behind the watermark (a window's `late`)
    Errors,  // events the node could not process (`errors`, added by the registry)
};

struct PortSpec {
    std::string name;
    std::string help;
    bool multiple = false;  // accepts several edges (union's `in`)
    PortKind kind = PortKind::Data;
};

// A piece of state a stateful node keeps between events, named and versioned: a checkpoint
// stores it under its name, and a restore keeps it only while its version is unchanged.
struct StateDecl {
    std::string name;  // "panes", "seen keys"
    int version = 1;
};

// Input to a schema rule: one schema per input slot (an edge into the node), with its port.
struct SchemaInputs {
    std::vector<SchemaPtr> schemas;
    std::vector<int> ports;
};

// Output schemas for the declared output ports (not `errors`), or a message naming the field.
using SchemaRule =
    std::function<Result<std::vector<SchemaPtr>>(const NodeConfig&, const SchemaInputs&)>;
using OperatorFactory = std::function<std::unique_ptr<Operator>(const OperatorContext&)>;
using SourceFactory = std::function<std::unique_ptr<SourceOperator>(const OperatorContext&)>;
// Two-phase aggregation (as Flink's local/global aggregation): behind P producer instances, a
// node runs as P partial operators, each fused into a producer's task with no copy of its data,
// and one merger fed by them. The partials emit on every port but `out` (late events, errors);
// the merger emits `out` alone. A partial must hand its results to the merger (through state the
// factory shares between them) before it returns from onWatermark(), since the runtime then
// forwards that watermark to the merger, which may emit every window it covers.
struct CombinedOperators {
    std::vector<std::unique_ptr<Operator>> partials;
    std::unique_ptr<Operator> merger;
};
// Whether this configuration can run in two phases: ok, or why not ("`emit_every` is set"),
// which the execution plan shows. The planner asks before any operator exists.
using CombinableRule = std::function<Status(const NodeConfig&, const SchemaInputs&)>;
// Called only for a configuration the rule accepted.
using CombinedFactory = std::function<CombinedOperators(const OperatorContext&, int partials)>;
// The `errors` port schema of a node whose inputs differ (a join): the default is the first
// input's fields + `error`, `node`, which cannot carry an event of another input.
using ErrorsSchemaRule = std::function<SchemaPtr(const NodeConfig&, const SchemaInputs&)>;
// Upgrades params written by an older version of the node in place.
using ParamMigration = std::function<void(Json& params, int fromVersion)>;

struct NodeSpec {
    std::string typeId;       // "window.tumbling": stable, written into project files
    int version = 1;          // bump when params change meaning; write a migration
    std::string displayName;  // "Tumbling window"
    std::string category;  // "source", "transform", "window", "aggregate", "join", "alert", "sink"
    std::string description;  // one or two sentences for the palette and the node reference
    std::vector<PortSpec> inputs;
    std::vector<PortSpec> outputs;  // `errors` is added by the registry, always last
    std::vector<ParamSpec> params;
    SchemaRule schemaRule;
    ErrorsSchemaRule errorsSchemaRule;  // optional; only called after schemaRule succeeded
    OperatorFactory createOperator;     // transforms, windows, sinks
    SourceFactory createSource;         // sources
    // Optional, for keyed aggregations, both or neither; see CombinedOperators.
    CombinableRule combinable;
    CombinedFactory createCombined;
    ParamMigration migrate;
    // Stateless single-input operators are fused into their producer's task (as Flink chains
    // operators); stateful ones get a task of their own and may run on another worker.
    bool stateless = false;
    // Sinks and similar nodes that write to the outside world.
    bool isSink = false;
    // A source that can run as several instances, each making a disjoint share of the stream
    // (OperatorContext::partition of partitions); see ExecutorOptions::sourceParallelism.
    bool parallelSource = false;
    // A chart sink: the kind of dashboard panel that draws it ("timeseries", "bar", ...).
    std::string chartKind;
    // Words the welcome page shows on a project using this node ("Kafka", "IoT", "SQLite").
    std::vector<std::string> tags;
    // What a stateful node keeps between events; empty for a stateless node. A source declares
    // its position, a sink where its output stands, when they save them in checkpoints.
    std::vector<StateDecl> state;
    // Why a project with this node runs without checkpoints ("it cannot save its position
    // yet"); empty when the node takes part (docs/checkpoints.md).
    std::string noCheckpoint;
    // A keyed stateful node: its parameter (a field list, e.g. a window's `group_by`) naming the
    // fields its state is kept per. Behind a source partitioned by a key (ParamRole::
    // PartitionKey), validation warns when these fields leave that key out.
    std::string keyedBy;
    // Its part of a Flink SQL script (engine/export/flink_sql.h), or, when there is none, why
    // not ("a generator has no Flink source"): every type has exactly one of the two.
    FlinkExportRule exportFlink;
    std::string noFlinkExport;

    bool isSource() const { return static_cast<bool>(createSource); }
    const ParamSpec* param(std::string_view key) const;
    // The first parameter with this role, or null.
    const ParamSpec* paramWithRole(ParamRole role) const;
    int outputIndex(std::string_view port) const;  // -1 if none
    int inputIndex(std::string_view port) const;
    int errorsPort() const { return static_cast<int>(outputs.size()) - 1; }
    // The first output port of this kind, or -1.
    int outputOfKind(PortKind kind) const;
    bool isChart() const { return !chartKind.empty(); }
};

// The parameters every source takes (docs/runtime.md, "Time"): time_field, time_format,
// max_out_of_orderness (default given), idle_timeout. The runtime reads the last two by these
// names.
inline constexpr const char* kMaxOutOfOrdernessParam = "max_out_of_orderness";
inline constexpr const char* kIdleTimeoutParam = "idle_timeout";
std::vector<ParamSpec> sourceTimeParams(const std::string& defaultOutOfOrderness);

}  // namespace riffle
