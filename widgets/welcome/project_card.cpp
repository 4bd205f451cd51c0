#include "widgets/welcome/project_card.h"

#include <QEnterEvent>
#include <QFileInfo>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QRegularExpression>
#include <QTextLayout>
#include <algorithm>

#include "engine/graph/node_registry.h"
#include "widgets/style/theme.h"
#include "widgets/welcome/project_thumbnail.h"

namespace riffle {

namespace {

constexpr int kPad = 14;
constexpr int kThumbHeight = 124;
constexpr int kCompactThumbWidth = 104;
constexpr double kRadius = 8;

QFont nameFont(const QFont& base) {
    return theme::scaledFont(base, 1.06, QFont::DemiBold);
}
QFont summaryFont(const QFont& base) {
    return theme::scaledFont(base, 0.93);
}
QFont tagFont(const QFont& base) {
    return theme::scaledFont(base, 0.84, QFont::Medium);
}

QColor cardBackground(const QPalette& pal) {
    return theme::isDark(pal) ? pal.color(QPalette::Window).lighter(118)
                              : pal.color(QPalette::Base);
}

// Word-wrapped lines of `text` in at most `maxLines`, the last one elided if text remains.
QStringList wrappedLines(const QString& text, const QFont& font, int width, int maxLines) {
    QStringList lines;
    if (width <= 0) return lines;
    QTextLayout layout(text, font);
    QTextOption option;
    option.setWrapMode(QTextOption::WordWrap);
    layout.setTextOption(option);
    layout.beginLayout();
    while (lines.size() < maxLines) {
        QTextLine line = layout.createLine();
        if (!line.isValid()) break;
        line.setLineWidth(width);
        if (lines.size() == maxLines - 1) {
            lines << QFontMetrics(font).elidedText(text.mid(line.textStart()).trimmed(),
                                                   Qt::ElideRight, width);
            break;
        }
        lines << text.mid(line.textStart(), line.textLength()).trimmed();
    }
    layout.endLayout();
    return lines;
}

}  // namespace

QStringList projectTags(const Project& project, const NodeRegistry& registry) {
    // The order tags are shown in; a tag not listed here comes after these.
    static const QStringList kOrder = {"clickstream", "IoT",    "Kafka",   "benchmark",
                                       "SQLite",      "alerts", "windows", "joins"};
    QStringList tags;
    auto add = [&](const QString& tag) {
        if (!tags.contains(tag)) tags << tag;
    };
    for (const NodeDef& n : project.nodes) {
        const NodeSpec* spec = registry.find(n.type);
        if (!spec) continue;
        for (const std::string& t : spec->tags) add(QString::fromStdString(t));
        if (spec->category == "alert") add(QStringLiteral("alerts"));
        if (spec->category == "window") add(QStringLiteral("windows"));
        if (spec->category == "join") add(QStringLiteral("joins"));
    }
    auto rank = [&](const QString& t) {
        const qsizetype i = kOrder.indexOf(t);
        return i < 0 ? kOrder.size() : i;
    };
    std::stable_sort(tags.begin(), tags.end(),
                     [&](const QString& a, const QString& b) { return rank(a) < rank(b); });
    return tags;
}

QString projectSummary(const Project& project) {
    QString text = QString::fromStdString(project.description).simplified();
    static const QRegularExpression sentenceEnd(QStringLiteral("(\\.\\s|;\\s)"));
    if (const auto m = sentenceEnd.match(text); m.hasMatch()) text.truncate(m.capturedStart());
    if (text.endsWith(QLatin1Char('.'))) text.chop(1);
    // "Nexmark q1 (currency conversion): every bid ..." repeats the name "Nexmark q1: ...".
    const QString name = QString::fromStdString(project.name);
    const QString namePrefix = name.section(QLatin1Char(':'), 0, 0).trimmed();
    const int colon = text.indexOf(QStringLiteral(": "));
    if (!namePrefix.isEmpty() && colon > 0 && colon < 60 &&
        text.startsWith(namePrefix, Qt::CaseInsensitive) && colon + 2 < text.size()) {
        text = text.mid(colon + 2);
        text[0] = text[0].toUpper();
    }
    return text;
}

ProjectCard::ProjectCard(Project project, const NodeRegistry& registry, Style style,
                         QWidget* parent)
    : QAbstractButton(parent),
      m_project(std::move(project)),
      m_registry(registry),
      m_style(style),
      m_summary(projectSummary(m_project)),
      m_tags(projectTags(m_project, registry)) {
    setText(name());
    setCursor(Qt::PointingHandCursor);
    setFocusPolicy(Qt::TabFocus);
    setAttribute(Qt::WA_Hover);
    setToolTip(QStringLiteral("<b>%1</b><br>%2<br><span style='color:#8a8f98'>%3</span>")
                   .arg(name().toHtmlEscaped(),
                        QString::fromStdString(m_project.description).toHtmlEscaped(),
                        QFileInfo(path()).fileName().toHtmlEscaped()));
    setAccessibleName(name());
    setAccessibleDescription(m_summary);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QString ProjectCard::path() const {
    return QString::fromStdString(m_project.path);
}

QString ProjectCard::name() const {
    const QString n = QString::fromStdString(m_project.name);
    return n.isEmpty() ? QFileInfo(path()).completeBaseName() : n;
}

QSize ProjectCard::sizeHint() const {
    const QFontMetrics nameFm(nameFont(font()));
    const QFontMetrics summaryFm(summaryFont(font()));
    if (m_style == Style::Compact)
        return {320, std::max(58, nameFm.height() + summaryFm.height() + 2 * 12 + 2)};
    const QFontMetrics tagFm(tagFont(font()));
    const int tags = m_tags.isEmpty() ? 0 : 10 + tagFm.height() + 4;
    return {280,
            kThumbHeight + kPad + nameFm.height() + 3 + 2 * summaryFm.lineSpacing() + tags + kPad};
}

QSize ProjectCard::minimumSizeHint() const {
    return {200, sizeHint().height()};
}

QPixmap ProjectCard::thumbnail(QSize logicalSize) {
    const qreal dpr = devicePixelRatioF();
    const QSize device = logicalSize * dpr;
    if (m_thumbnail.size() != device) {
        m_thumbnail = renderProjectThumbnail(m_project, m_registry, device, palette());
        m_thumbnail.setDevicePixelRatio(dpr);
    }
    return m_thumbnail;
}

void ProjectCard::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    if (m_style == Style::Full)
        paintFull(p);
    else
        paintCompact(p);
}

QPainterPath ProjectCard::fillFrame(QPainter& p, const QRectF& frame, double radius) const {
    const QPalette& pal = palette();
    const QColor bg = cardBackground(pal);
    const bool hovered = underMouse() || isDown();
    QPainterPath shape;
    shape.addRoundedRect(frame, radius, radius);
    p.fillPath(shape, hovered ? theme::mix(bg, pal.color(QPalette::Highlight), 0.04) : bg);
    return shape;
}

void ProjectCard::strokeFrame(QPainter& p, const QPainterPath& shape) const {
    const QPalette& pal = palette();
    const QColor bg = cardBackground(pal);
    const bool hovered = underMouse() || isDown();
    const QColor border = hasFocus() ? pal.color(QPalette::Highlight)
                          : hovered  ? theme::mix(pal.color(QPalette::Highlight), bg, 0.25)
                                     : theme::mix(pal.color(QPalette::Text), bg, 0.85);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(border, hasFocus() ? 2 : 1));
    p.drawPath(shape);
}

void ProjectCard::paintFull(QPainter& p) {
    const QPalette& pal = palette();
    const QColor bg = cardBackground(pal);
    const QColor text = pal.color(QPalette::Text);
    const QRectF frame = QRectF(rect()).adjusted(1, 1, -1, -1);

    const QPainterPath shape = fillFrame(p, frame, kRadius);

    const QRect thumbRect(0, 0, width(), kThumbHeight);
    p.save();
    p.setClipPath(shape);
    p.drawPixmap(thumbRect.topLeft(), thumbnail(thumbRect.size()));
    p.setPen(QPen(theme::mix(text, bg, 0.88), 1));
    p.drawLine(QPointF(frame.left(), kThumbHeight + 0.5),
               QPointF(frame.right(), kThumbHeight + 0.5));
    p.restore();

    const int left = kPad, w = width() - 2 * kPad;
    int y = kThumbHeight + kPad;
    const QFont nf = nameFont(font());
    const QFontMetrics nameFm(nf);
    p.setFont(nf);
    p.setPen(text);
    p.drawText(QRect(left, y, w, nameFm.height()), Qt::AlignLeft | Qt::AlignVCenter,
               nameFm.elidedText(name(), Qt::ElideRight, w));
    y += nameFm.height() + 3;

    const QFont sf = summaryFont(font());
    const QFontMetrics summaryFm(sf);
    p.setFont(sf);
    p.setPen(theme::mix(text, bg, 0.38));
    for (const QString& line : wrappedLines(m_summary, sf, w, 2)) {
        p.drawText(QRect(left, y, w, summaryFm.height()), Qt::AlignLeft | Qt::AlignVCenter, line);
        y += summaryFm.lineSpacing();
    }

    if (!m_tags.isEmpty()) {
        const QFont tf = tagFont(font());
        const QFontMetrics tagFm(tf);
        const int h = tagFm.height() + 4;
        int x = left;
        const int ty = height() - kPad - h;
        p.setFont(tf);
        for (const QString& tag : m_tags) {
            const int tw = tagFm.horizontalAdvance(tag) + 14;
            if (x + tw > left + w) break;
            const QRectF pill(x, ty, tw, h);
            p.setPen(Qt::NoPen);
            p.setBrush(theme::mix(bg, text, theme::isDark(pal) ? 0.12 : 0.07));
            p.drawRoundedRect(pill, h / 2.0, h / 2.0);
            p.setPen(theme::mix(text, bg, 0.3));
            p.drawText(pill, Qt::AlignCenter, tag);
            x += tw + 6;
        }
    }

    strokeFrame(p, shape);
}

void ProjectCard::paintCompact(QPainter& p) {
    const QPalette& pal = palette();
    const QColor bg = cardBackground(pal);
    const QColor text = pal.color(QPalette::Text);
    const QRectF frame = QRectF(rect()).adjusted(1, 1, -1, -1);

    const QPainterPath shape = fillFrame(p, frame, kRadius - 2);

    const QRect thumbRect(8, 8, kCompactThumbWidth, height() - 16);
    QPainterPath thumbShape;
    thumbShape.addRoundedRect(thumbRect, 4, 4);
    p.save();
    p.setClipPath(thumbShape);
    p.drawPixmap(thumbRect.topLeft(), thumbnail(thumbRect.size()));
    p.restore();

    const int left = thumbRect.right() + 13, w = width() - left - 12;
    const QFont nf = nameFont(font());
    const QFont sf = summaryFont(font());
    const QFontMetrics nameFm(nf), summaryFm(sf);
    const int block = nameFm.height() + 2 + summaryFm.height();
    int y = (height() - block) / 2;
    p.setFont(nf);
    p.setPen(text);
    p.drawText(QRect(left, y, w, nameFm.height()), Qt::AlignLeft | Qt::AlignVCenter,
               nameFm.elidedText(name(), Qt::ElideRight, w));
    y += nameFm.height() + 2;
    p.setFont(sf);
    p.setPen(theme::mix(text, bg, 0.38));
    p.drawText(QRect(left, y, w, summaryFm.height()), Qt::AlignLeft | Qt::AlignVCenter,
               summaryFm.elidedText(m_summary, Qt::ElideRight, w));

    strokeFrame(p, shape);
}

void ProjectCard::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
        click();
        return;
    }
    QAbstractButton::keyPressEvent(event);
}

void ProjectCard::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        m_thumbnail = QPixmap();
    QAbstractButton::changeEvent(event);
}

void ProjectCard::enterEvent(QEnterEvent* event) {
    update();
    QAbstractButton::enterEvent(event);
}

void ProjectCard::leaveEvent(QEvent* event) {
    update();
    QAbstractButton::leaveEvent(event);
}

}  // namespace riffle
