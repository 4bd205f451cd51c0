#include <QtTest/QtTest>

#include "engine/core/batch.h"
#include "engine/core/time_format.h"

using namespace riffle;

class TstCore : public QObject {
    Q_OBJECT
private slots:
    void durations();
    void sharedStringsOutliveTheirPooledBatch();
    void timeFormats();
};

void TstCore::durations() {
    QCOMPARE(parseDuration("10s").value(), 10000000);
}

void TstCore::sharedStringsOutliveTheirPooledBatch() {
    auto pool = BatchPool::create(4);
    auto schema = std::make_shared<const Schema>(Schema::stream({{"s", Type::String}}));
    BatchPtr a = pool->acquire(schema);
    for (int i = 0; i < 100; ++i) {
        a->column(0).appendTime(i);
        a->appendString(1, "value-" + std::to_string(i));
        a->commitRow();
    }
    BatchPtr b = pool->acquire(schema);
    b->appendRowsFrom(*a, {3, 50, 99});
    Batch* aAddress = a.get();
    a.reset();  // back to the pool
    BatchPtr c = pool->acquire(schema);
    QCOMPARE(c.get(), aAddress);  // the same batch, reused
    for (int i = 0; i < 100; ++i) {
        c->column(0).appendTime(i);
        c->appendString(1, "OVERWRITTEN-" + std::to_string(i));
        c->commitRow();
    }
    QCOMPARE(QString::fromStdString(b->get(0, 1).s), QString("value-3"));
    QCOMPARE(QString::fromStdString(b->get(1, 1).s), QString("value-50"));
    QCOMPARE(QString::fromStdString(b->get(2, 1).s), QString("value-99"));
    QCOMPARE(b->get(2, 0).i, int64_t(99));
}

void TstCore::timeFormats() {
    QCOMPARE(parseIso8601("2026-11-24T10:00:00.123Z").value(), int64_t(1795514400123000));
    QCOMPARE(parseIso8601("2026-11-24 12:00:00+02:00").value(), int64_t(1795514400000000));
    QVERIFY(!parseIso8601("2026-02-30T00:00:00Z"));
    QCOMPARE(QString::fromStdString(formatIso8601Ms(1795514400123456)),
             QString("2026-11-24T10:00:00.123Z"));
    QCOMPARE(QString::fromStdString(formatIso8601Ms(-1)), QString("1969-12-31T23:59:59.999Z"));
    QCOMPARE(parseTime("1795514400", TimeFormat::Auto).value(), int64_t(1795514400000000));
    QCOMPARE(parseTime("1795514400123", TimeFormat::Auto).value(), int64_t(1795514400123000));
    QCOMPARE(parseTime("1795514400123456", TimeFormat::EpochUs).value(), int64_t(1795514400123456));
    QCOMPARE(parseDuration("1m30s").value(), int64_t(90000000));
    QCOMPARE(parseDuration("500ms").value(), int64_t(500000));
    QVERIFY(!parseDuration("10"));
    QVERIFY(!parseDuration("ten s"));
    QCOMPARE(QString::fromStdString(formatDuration(1500000)), QString("1500ms"));
    QCOMPARE(QString::fromStdString(formatDuration(3600000000)), QString("1h"));
}

QTEST_GUILESS_MAIN(TstCore)
#include "tst_core.moc"
