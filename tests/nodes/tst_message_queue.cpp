// MessageQueue, the hand-over of push connectors (MQTT, TCP, UDP, WebSocket), under overload:
// for each `overload` policy, exactly which messages survive and how many are counted dropped;
// and that stop() releases a producer blocked on a full queue (the studio's Stop must not hang).
#include <QtTest/QtTest>

#include <atomic>
#include <thread>

#include "nodes/connectors/message_queue.h"

using namespace riffle;

namespace {

MessageBlock blockOf(std::initializer_list<int> ids) {
    MessageBlock b;
    for (int id : ids) b.add(std::to_string(id), MessageMeta{}, id);
    return b;
}

bool pushIds(MessageQueue& q, std::initializer_list<int> ids) {
    MessageBlock b = blockOf(ids);
    return q.push(b);
}

// Every message left in the queue, in order.
std::vector<std::string> drain(MessageQueue& q) {
    std::vector<std::string> out;
    MessageBlock b;
    while (q.pop(b)) {
        for (size_t i = 0; i < b.size(); ++i) out.emplace_back(b.payload(i));
        b.clear();
    }
    return out;
}

using Ids = std::vector<std::string>;

}  // namespace

class TstMessageQueue : public QObject {
    Q_OBJECT
private slots:
    void policiesAreNamed();
    void dropNewestKeepsTheFirstAndCountsTheRest();
    void dropOldestKeepsTheNewestAndCountsTheRest();
    void blockWaitsForRoomAndDropsNothing();
    void stopReleasesABlockedProducer();
    void aBlockLargerThanTheQueue();
};

void TstMessageQueue::policiesAreNamed() {
    QCOMPARE(overloadPolicyFromName("block"), std::optional(OverloadPolicy::Block));
    QCOMPARE(overloadPolicyFromName("drop_oldest"), std::optional(OverloadPolicy::DropOldest));
    QCOMPARE(overloadPolicyFromName("drop_newest"), std::optional(OverloadPolicy::DropNewest));
    QVERIFY(!overloadPolicyFromName("drop").has_value());
}

void TstMessageQueue::dropNewestKeepsTheFirstAndCountsTheRest() {
    NodeMetrics m;
    MessageQueue q(5, OverloadPolicy::DropNewest, &m);
    for (int i = 1; i <= 8; ++i) QVERIFY(pushIds(q, {i}));
    QCOMPARE(m.dropped.load(), 3);
    QCOMPARE(q.queuedMessages(), size_t(5));
    QCOMPARE(drain(q), (Ids{"1", "2", "3", "4", "5"}));
    // A block that does not fit whole is dropped whole: 4 queued + 3 > 5.
    QVERIFY(pushIds(q, {10, 11, 12, 13}));
    QVERIFY(pushIds(q, {20, 21, 22}));
    QCOMPARE(m.dropped.load(), 6);
    QCOMPARE(drain(q), (Ids{"10", "11", "12", "13"}));
}

void TstMessageQueue::dropOldestKeepsTheNewestAndCountsTheRest() {
    NodeMetrics m;
    MessageQueue q(5, OverloadPolicy::DropOldest, &m);
    for (int i = 1; i <= 8; ++i) QVERIFY(pushIds(q, {i}));
    QCOMPARE(m.dropped.load(), 3);
    QCOMPARE(drain(q), (Ids{"4", "5", "6", "7", "8"}));
    // Whole blocks make room: {1,2} and {3,4} go for {7,8,9}.
    QVERIFY(pushIds(q, {1, 2}));
    QVERIFY(pushIds(q, {3, 4}));
    QVERIFY(pushIds(q, {5}));
    QVERIFY(pushIds(q, {7, 8, 9}));
    QCOMPARE(m.dropped.load(), 3 + 4);
    QCOMPARE(drain(q), (Ids{"5", "7", "8", "9"}));
}

void TstMessageQueue::blockWaitsForRoomAndDropsNothing() {
    NodeMetrics m;
    MessageQueue q(3, OverloadPolicy::Block, &m);
    for (int i = 1; i <= 3; ++i) QVERIFY(pushIds(q, {i}));
    std::atomic<int> pushed{0};
    std::thread producer([&] {
        for (int i = 4; i <= 6; ++i)
            if (pushIds(q, {i})) ++pushed;
    });
    // The consumer takes one message at a time; the producer can only go on when there is room.
    Ids got;
    MessageBlock b;
    while (got.size() < 6) {
        if (q.pop(b)) {
            for (size_t i = 0; i < b.size(); ++i) got.emplace_back(b.payload(i));
            b.clear();
        } else {
            std::this_thread::yield();
        }
        QVERIFY(q.queuedMessages() <= 3);
    }
    producer.join();
    QCOMPARE(pushed.load(), 3);
    QCOMPARE(m.dropped.load(), 0);
    QCOMPARE(got, (Ids{"1", "2", "3", "4", "5", "6"}));
}

void TstMessageQueue::stopReleasesABlockedProducer() {
    NodeMetrics m;
    MessageQueue q(2, OverloadPolicy::Block, &m);
    QVERIFY(pushIds(q, {1, 2}));
    std::atomic<int> result{-1};
    std::thread producer([&] { result = pushIds(q, {3}) ? 1 : 0; });
    // However long the producer has been waiting, stop() must release it with `false`.
    q.stop();
    producer.join();
    QCOMPARE(result.load(), 0);
    QVERIFY(q.stopped());
    QVERIFY(!pushIds(q, {4}));
    QCOMPARE(m.dropped.load(), 0);
}

void TstMessageQueue::aBlockLargerThanTheQueue() {
    // `block`: goes in once the queue is empty instead of waiting forever.
    NodeMetrics m;
    MessageQueue q(2, OverloadPolicy::Block, &m);
    QVERIFY(pushIds(q, {1, 2, 3, 4}));
    QCOMPARE(drain(q), (Ids{"1", "2", "3", "4"}));
    // drop_newest: it can never fit, so it is dropped and counted.
    MessageQueue dn(2, OverloadPolicy::DropNewest, &m);
    QVERIFY(pushIds(dn, {1, 2, 3}));
    QCOMPARE(m.dropped.load(), 3);
    QVERIFY(drain(dn).empty());
}

QTEST_GUILESS_MAIN(TstMessageQueue)
#include "tst_message_queue.moc"
