#include "widgets/welcome/welcome_page.h"

#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QIcon>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>

#include "engine/graph/node_registry.h"
#include "widgets/style/theme.h"
#include "widgets/welcome/card_grid_layout.h"
#include "widgets/welcome/project_card.h"

namespace riffle {

namespace {

constexpr int kSidebarWidth = 272;
constexpr int kMaxRecent = 8;

QString displayFolder(const QString& path) {
    QString folder = QFileInfo(path).absolutePath();
    const QString home = QDir::homePath();
    if (folder == home || folder.startsWith(home + '/'))
        folder = QStringLiteral("~") + folder.mid(home.size());
    return QDir::toNativeSeparators(folder);
}

// One recent file: its name in bold over its folder in grey; hover highlights it.
class RecentEntry : public QAbstractButton {
public:
    RecentEntry(const QString& path, QWidget* parent) : QAbstractButton(parent), m_path(path) {
        setText(QFileInfo(path).fileName());
        setToolTip(QDir::toNativeSeparators(path));
        setAccessibleName(text());
        setAccessibleDescription(QDir::toNativeSeparators(path));
        setCursor(Qt::PointingHandCursor);
        setFocusPolicy(Qt::TabFocus);
        setAttribute(Qt::WA_Hover);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    QString path() const { return m_path; }

    QSize sizeHint() const override {
        const QFontMetrics name(theme::scaledFont(font(), 1.0, QFont::DemiBold));
        const QFontMetrics folder(theme::scaledFont(font(), 0.88));
        return {200, name.height() + folder.height() + 12};
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QPalette& pal = palette();
        const QColor window = pal.color(QPalette::Window);
        const QColor ink = pal.color(QPalette::WindowText);
        const QRectF bg = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
        if (underMouse() || isDown()) {
            p.setPen(Qt::NoPen);
            p.setBrush(theme::mix(window, ink, 0.07));
            p.drawRoundedRect(bg, 6, 6);
        }
        if (hasFocus()) {
            p.setPen(QPen(pal.color(QPalette::Highlight), 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(bg.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
        }
        const QFont nf = theme::scaledFont(font(), 1.0, QFont::DemiBold);
        const QFont ff = theme::scaledFont(font(), 0.88);
        const QFontMetrics nameFm(nf), folderFm(ff);
        const int left = 10, w = width() - 2 * left;
        const int top = (height() - nameFm.height() - folderFm.height()) / 2;
        p.setFont(nf);
        p.setPen(ink);
        p.drawText(QRect(left, top, w, nameFm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   nameFm.elidedText(text(), Qt::ElideRight, w));
        p.setFont(ff);
        p.setPen(theme::mix(ink, window, 0.45));
        p.drawText(QRect(left, top + nameFm.height(), w, folderFm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   folderFm.elidedText(displayFolder(m_path), Qt::ElideMiddle, w));
    }
    void keyPressEvent(QKeyEvent* event) override {
        if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
            click();
            return;
        }
        QAbstractButton::keyPressEvent(event);
    }

private:
    QString m_path;
};

// The Riffle mark, drawn from the SVG at the screen's resolution.
class LogoLabel : public QWidget {
public:
    LogoLabel(int size, QWidget* parent) : QWidget(parent), m_size(size) {
        setFixedSize(size, size);
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        QIcon(QStringLiteral(":/icons/riffle.svg")).paint(&p, rect());
    }

private:
    int m_size;
};

// The sidebar's buttons: flat and rounded like the cards; the primary one (New project) filled
// with the highlight colour. A QPushButton still, for keyboard handling and accessibility.
class SidebarButton : public QPushButton {
public:
    SidebarButton(const QString& text, const QString& icon, bool primary, QWidget* parent)
        : QPushButton(theme::actionIcon(icon), text, parent), m_primary(primary) {
        setCursor(Qt::PointingHandCursor);
        setAttribute(Qt::WA_Hover);
        setFocusPolicy(Qt::StrongFocus);
    }

    QSize sizeHint() const override {
        const QFontMetrics fm(font());
        return {fm.horizontalAdvance(text()) + 16 + 8 + 36, std::max(38, fm.height() + 20)};
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QPalette& pal = palette();
        const QColor window = pal.color(QPalette::Window);
        const QColor ink = pal.color(QPalette::WindowText);
        const QColor accent = pal.color(QPalette::Highlight);
        const bool hovered = underMouse(), pressed = isDown();
        const QRectF r = QRectF(rect()).adjusted(2.5, 2.5, -2.5, -2.5);

        QColor fill, border, textColor;
        if (m_primary) {
            fill = pressed ? accent.darker(112) : hovered ? accent.lighter(108) : accent;
            border = fill;
            textColor = pal.color(QPalette::HighlightedText);
        } else {
            const QColor base =
                theme::isDark(pal) ? window.lighter(118) : pal.color(QPalette::Base);
            fill = pressed   ? theme::mix(base, ink, 0.10)
                   : hovered ? theme::mix(base, ink, 0.05)
                             : base;
            border = hovered ? theme::mix(ink, base, 0.65) : theme::mix(ink, base, 0.80);
            textColor = ink;
        }
        p.setPen(QPen(border, 1));
        p.setBrush(fill);
        p.drawRoundedRect(r, 6, 6);
        if (hasFocus()) {
            QColor ring = accent;
            ring.setAlphaF(0.5f);
            p.setPen(QPen(ring, 2));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(r.adjusted(-1.5, -1.5, 1.5, 1.5), 7.5, 7.5);
        }

        QFont f = font();
        f.setWeight(QFont::DemiBold);
        const QFontMetrics fm(f);
        const int iconSize = 16, gap = 8;
        const int contentW = iconSize + gap + fm.horizontalAdvance(text());
        const int x = (width() - contentW) / 2;
        const qreal dpr = devicePixelRatioF();
        QPixmap pm = icon().pixmap(QSize(iconSize, iconSize), dpr);
        if (m_primary) {
            QPainter tint(&pm);
            tint.setCompositionMode(QPainter::CompositionMode_SourceIn);
            tint.fillRect(pm.rect(), textColor);
        }
        p.drawPixmap(QPoint(x, (height() - iconSize) / 2), pm);
        p.setFont(f);
        p.setPen(textColor);
        p.drawText(QRect(x + iconSize + gap, 0, width(), height()),
                   Qt::AlignLeft | Qt::AlignVCenter, text());
    }

private:
    bool m_primary;
};

}  // namespace

WelcomePage::WelcomePage(const NodeRegistry& registry, QWidget* parent)
    : QWidget(parent), m_registry(registry) {
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Window);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(buildSidebar());
    layout->addWidget(buildExamples(), 1);
    updateColors();
    setRecentFiles({});
}

QWidget* WelcomePage::buildSidebar() {
    m_sidebar = new QWidget(this);
    m_sidebar->setObjectName(QStringLiteral("welcomeSidebar"));
    m_sidebar->setFixedWidth(kSidebarWidth);
    m_sidebar->setAutoFillBackground(true);
    auto* v = new QVBoxLayout(m_sidebar);
    v->setContentsMargins(24, 28, 20, 20);
    v->setSpacing(0);

    auto* brand = new QHBoxLayout;
    brand->setSpacing(12);
    brand->addWidget(new LogoLabel(42, m_sidebar), 0, Qt::AlignVCenter);
    auto* names = new QVBoxLayout;
    names->setSpacing(0);
    auto* title = new QLabel(QStringLiteral("Riffle"), m_sidebar);
    title->setFont(theme::scaledFont(font(), 1.55, QFont::Bold));
    auto* subtitle = new QLabel(tr("Stream analytics studio"), m_sidebar);
    m_mutedLabels << subtitle;
    names->addWidget(title);
    names->addWidget(subtitle);
    brand->addLayout(names, 1);
    v->addLayout(brand);
    v->addSpacing(28);

    auto* newButton = new SidebarButton(tr("New project"), QStringLiteral("new"), true, m_sidebar);
    newButton->setToolTip(
        tr("Start with an empty canvas (%1)")
            .arg(QKeySequence(QKeySequence::New).toString(QKeySequence::NativeText)));
    auto* openButton = new SidebarButton(tr("Open…"), QStringLiteral("open"), false, m_sidebar);
    openButton->setToolTip(
        tr("Open a .riffle project (%1)")
            .arg(QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText)));
    connect(newButton, &QPushButton::clicked, this, &WelcomePage::newRequested);
    connect(openButton, &QPushButton::clicked, this, &WelcomePage::openRequested);
    v->addWidget(newButton);
    v->addSpacing(4);
    v->addWidget(openButton);
    v->addSpacing(30);

    auto* recentTitle = new QLabel(tr("Recent"), m_sidebar);
    QFont rf = theme::scaledFont(font(), 0.85, QFont::DemiBold);
    rf.setCapitalization(QFont::AllUppercase);
    rf.setLetterSpacing(QFont::PercentageSpacing, 108);
    recentTitle->setFont(rf);
    recentTitle->setContentsMargins(10, 0, 0, 0);
    m_mutedLabels << recentTitle;
    v->addWidget(recentTitle);
    v->addSpacing(6);

    m_recentBox = new QWidget(m_sidebar);
    m_recentLayout = new QVBoxLayout(m_recentBox);
    m_recentLayout->setContentsMargins(0, 0, 0, 0);
    m_recentLayout->setSpacing(2);
    v->addWidget(m_recentBox);
    m_noRecent = new QLabel(tr("Projects you open appear here."), m_sidebar);
    m_noRecent->setWordWrap(true);
    m_noRecent->setContentsMargins(10, 2, 0, 0);
    m_mutedLabels << m_noRecent;
    v->addWidget(m_noRecent);
    v->addStretch(1);
    return m_sidebar;
}

QWidget* WelcomePage::buildExamples() {
    auto* scroll = new QScrollArea(this);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    m_examplesPane = new QWidget(scroll);
    m_examplesPane->setObjectName(QStringLiteral("welcomeExamples"));
    auto* v = new QVBoxLayout(m_examplesPane);
    v->setContentsMargins(32, 30, 32, 32);
    v->setSpacing(0);

    addSectionHeader(v, tr("Examples"),
                     tr("Open one and press Run (F5) to watch its pipeline stream."), 1.3, 16);

    auto* grid = new QWidget(m_examplesPane);
    m_mainGrid = new CardGridLayout(212, 16, grid);
    v->addWidget(grid);
    m_noExamples = new QLabel(tr("No example projects were found."), m_examplesPane);
    m_mutedLabels << m_noExamples;
    v->addWidget(m_noExamples);

    m_benchSection = new QWidget(m_examplesPane);
    auto* bv = new QVBoxLayout(m_benchSection);
    bv->setContentsMargins(0, 32, 0, 0);
    bv->setSpacing(0);
    addSectionHeader(bv, tr("Benchmarks"),
                     tr("Nexmark queries, the common yardstick for stream processors."), 1.1, 12);
    auto* benchGrid = new QWidget(m_benchSection);
    m_benchGrid = new CardGridLayout(340, 10, benchGrid);
    bv->addWidget(benchGrid);
    v->addWidget(m_benchSection);
    v->addStretch(1);

    // The pane's height follows its width (the card grids flow); without an explicit minimum the
    // scroll area would take the one-column height as the minimum and always scroll.
    m_examplesPane->setMinimumHeight(1);
    scroll->setWidget(m_examplesPane);
    return scroll;
}

void WelcomePage::addSectionHeader(QVBoxLayout* layout, const QString& title,
                                   const QString& subtitle, double scale, int gap) {
    auto* titleLabel = new QLabel(title);
    titleLabel->setFont(theme::scaledFont(font(), scale, QFont::DemiBold));
    auto* subtitleLabel = new QLabel(subtitle);
    m_mutedLabels << subtitleLabel;
    layout->addWidget(titleLabel);
    layout->addSpacing(2);
    layout->addWidget(subtitleLabel);
    layout->addSpacing(gap);
}

void WelcomePage::setRecentFiles(const QStringList& paths) {
    while (QLayoutItem* item = m_recentLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_recent.clear();
    for (const QString& path : paths) {
        if (m_recent.size() >= kMaxRecent) break;
        if (path.isEmpty() || !QFileInfo(path).isFile() || m_recent.contains(path)) continue;
        m_recent << path;
        auto* entry = new RecentEntry(path, m_recentBox);
        connect(entry, &QAbstractButton::clicked, this, [this, path] { emit openFile(path); });
        m_recentLayout->addWidget(entry);
        entry->show();
    }
    m_noRecent->setVisible(m_recent.isEmpty());
}

void WelcomePage::clearCards() {
    for (ProjectCard* card : m_cards) delete card;
    m_cards.clear();
}

void WelcomePage::setExamples(const QStringList& projectPaths) {
    clearCards();
    int benchmarks = 0;
    for (const QString& path : projectPaths) {
        auto loaded = Project::load(path.toStdString());
        if (!loaded) {
            qWarning("welcome page: %s: %s", qPrintable(path), loaded.message().c_str());
            continue;
        }
        Project project = std::move(loaded.value());
        if (project.path.empty()) project.path = path.toStdString();
        const bool benchmark =
            projectTags(project, m_registry).contains(QStringLiteral("benchmark"));
        CardGridLayout* grid = benchmark ? m_benchGrid : m_mainGrid;
        auto* card =
            new ProjectCard(std::move(project), m_registry,
                            benchmark ? ProjectCard::Style::Compact : ProjectCard::Style::Full,
                            grid->parentWidget());
        connect(card, &QAbstractButton::clicked, this,
                [this, card] { emit openFile(card->path()); });
        grid->addWidget(card);
        card->show();
        m_cards << card;
        benchmarks += benchmark ? 1 : 0;
    }
    m_benchSection->setVisible(benchmarks > 0);
    m_noExamples->setVisible(m_cards.isEmpty());
}

void WelcomePage::updateColors() {
    if (!m_sidebar) return;  // a palette change during construction
    const QPalette pal = palette();
    const QColor window = pal.color(QPalette::Window);
    const QColor text = pal.color(QPalette::WindowText);
    for (QLabel* label : m_mutedLabels) {
        QPalette lp = label->palette();
        lp.setColor(QPalette::WindowText, theme::mix(text, window, 0.42));
        label->setPalette(lp);
    }
    // The sidebar sits a shade apart from the examples so the two columns read as such.
    QPalette sp = m_sidebar->palette();
    sp.setColor(QPalette::Window,
                theme::isDark(pal) ? window.darker(112) : theme::mix(window, text, 0.025));
    m_sidebar->setPalette(sp);
}

void WelcomePage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) updateColors();
    QWidget::changeEvent(event);
}

}  // namespace riffle
