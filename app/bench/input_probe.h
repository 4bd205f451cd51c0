#pragma once
// Shared by riffle-bench's studio and dashboard queries (GUI thread): percentiles, and a probe
// that measures how late the GUI thread handles input while the engine runs.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QTimer>
#include <QWidget>
#include <algorithm>
#include <vector>

namespace riffle {

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t i =
        std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
    return v[i];
}

// Posts a mouse move to `target` every `periodMs` (the next one only after the previous was
// handled) and records, in `ms`, the delay from posting to handling.
class InputLatencyProbe : public QObject {
public:
    std::vector<double> ms;

    void start(QWidget* target, int periodMs = 20) {
        m_clock.start();
        target->installEventFilter(this);
        QObject::connect(&m_poster, &QTimer::timeout, this, [this, target] {
            if (m_postedNs >= 0) return;
            const QPointF pos(100 + (m_step++ % 50) * 4, 100);
            m_postedNs = m_clock.nsecsElapsed();
            QCoreApplication::postEvent(
                target, new QMouseEvent(QEvent::MouseMove, pos, target->mapToGlobal(pos),
                                        Qt::NoButton, Qt::NoButton, Qt::NoModifier));
        });
        m_poster.start(periodMs);
    }
    void stop() { m_poster.stop(); }

    bool eventFilter(QObject* o, QEvent* e) override {
        if (e->type() == QEvent::MouseMove && m_postedNs >= 0) {
            ms.push_back(static_cast<double>(m_clock.nsecsElapsed() - m_postedNs) / 1e6);
            m_postedNs = -1;
        }
        return QObject::eventFilter(o, e);
    }

private:
    QElapsedTimer m_clock;
    QTimer m_poster;
    qint64 m_postedNs = -1;
    int m_step = 0;
};

}  // namespace riffle
