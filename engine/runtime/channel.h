#pragma once
// What moves between tasks: batches and in-band control messages over bounded single-producer
// single-consumer queues (docs/runtime.md, "From graph to tasks"). A full queue is back-pressure.
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>

#include "engine/core/batch.h"
#include "engine/runtime/barrier.h"
#include "engine/runtime/progress_marker.h"

namespace riffle {

struct Message {
    enum class Kind : uint8_t {
        Data,       // `batch` holds events
        Watermark,  // `watermark`: no event older than this will follow on this channel
        Idle,       // the producer has been idle; do not let it hold back the watermark
        End,        // end of stream; nothing follows
        Marker,     // `marker`: a source's progress marker (progress_marker.h), behind its rows
        Barrier,    // `barrier`: a checkpoint barrier (barrier.h), behind its rows
    };
    Kind kind = Kind::Data;
    TimeUs watermark = 0;
    ConstBatchPtr batch;
    ProgressMarkerPtr marker;
    BarrierPtr barrier;
};

class Task;

// One edge between two tasks. Exactly one thread pushes (the producer task's current worker)
// and one pops (the consumer's), which is what spsc_queue requires: a task never runs on two
// workers at once.
struct Channel {
    explicit Channel(size_t capacity) : queue(capacity), capacity(capacity) {}
    boost::lockfree::spsc_queue<Message> queue;
    const size_t capacity;
    Task* producer = nullptr;
    Task* consumer = nullptr;
    int consumerSlot = 0;            // input slot of the consumer task's head operator
    std::atomic<int64_t> events{0};  // events that crossed this edge
};

}  // namespace riffle
