#include <QtTest/QtTest>

#include "engine/core/batch.h"
#include "engine/core/time_format.h"

using namespace riffle;

class TstCore : public QObject {
    Q_OBJECT
private slots:
    void durations();
};

void TstCore::durations() {
    QCOMPARE(parseDuration("10s").value(), 10000000);
}

QTEST_GUILESS_MAIN(TstCore)
#include "tst_core.moc"
