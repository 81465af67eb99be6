#include "studio_harness.h"

#include <QtQuickTest/quicktest.h>
#include <QTest>
#include <algorithm>

#include "studio_window.h"

namespace lowbit::test {
namespace {

void collect(QQuickItem* root, const QString& name, QList<QQuickItem*>& out) {
    for (QQuickItem* child : root->childItems()) {
        if (child->objectName() == name) out << child;
        collect(child, name, out);
    }
}

QQuickItem* scrollableAncestor(QQuickItem* item) {
    for (QQuickItem* p = item->parentItem(); p; p = p->parentItem()) {
        if (p->inherits("QQuickFlickable")) return p;
    }
    return nullptr;
}

}  // namespace

bool StudioHarness::start(const ui::StudioOptions& options, QSize size, bool waitActive) {
    app_ = std::make_unique<ui::StudioController>(options);
    qml_ = std::make_unique<QQmlApplicationEngine>();
    window_ = ui::loadStudioWindow(*qml_, *app_);
    if (!window_) return false;
    window_->resize(size);
    window_->show();
    window_->requestActivate();
    if (!QTest::qWaitForWindowExposed(window_)) return false;
    return !waitActive || QTest::qWaitForWindowActive(window_);
}

void StudioHarness::stop() {
    qml_.reset();
    app_.reset();
    window_ = nullptr;
}

QList<QQuickItem*> StudioHarness::items(const QString& objectName, QQuickItem* root) const {
    QList<QQuickItem*> out;
    collect(root ? root : window_->contentItem(), objectName, out);
    return out;
}

QQuickItem* StudioHarness::item(const QString& objectName) const {
    const auto all = items(objectName);
    return all.isEmpty() ? nullptr : all.first();
}

QQuickItem* StudioHarness::visibleItem(const QString& objectName, QQuickItem* root) const {
    const auto all = items(objectName, root);
    // Prefer one with both extents; a delegate created this frame may not have its height yet
    // (layouts size it at the next polish) but is already the one on screen.
    for (QQuickItem* i : all) {
        if (i->isVisible() && i->width() > 0 && i->height() > 0) return i;
    }
    for (QQuickItem* i : all) {
        if (i->isVisible() && i->width() > 0) return i;
    }
    return nullptr;
}

bool StudioHarness::scrollIntoView(const QString& objectName) const {
    // Positions are only current once the layouts have been polished: a row that was added this
    // frame may still sit at the top of its column.
    static_cast<void>(QQuickTest::qWaitForPolish(window_));
    QQuickItem* i = visibleItem(objectName);
    if (!i) return false;
    QQuickItem* flick = scrollableAncestor(i);
    if (!flick) return true;
    const double top = i->mapToItem(flick, QPointF(0, 0)).y();
    if (top >= 0 && top + i->height() <= flick->height()) return true;  // already in view
    // Put the item a little below the top, within the scrollable range.
    const double contentY = flick->property("contentY").toDouble();
    const double originY = flick->property("originY").toDouble();
    const double maxY =
        originY + std::max(0.0, flick->property("contentHeight").toDouble() - flick->height());
    flick->setProperty("contentY", std::clamp(contentY + top - 40, originY, maxY));
    QTest::qWait(50);  // a frame, so the scene positions are current
    return true;
}

bool StudioHarness::click(const QString& objectName) const {
    // A page may still be settling when the test gets here: a list that just grew moves what is
    // below it and re-creates its rows, and a layout places a new row at its next polish (a
    // scroll computed before that lands in the wrong place). So scroll, let the layouts settle,
    // and click only where the item is now — trying again for a second while it is missing,
    // disabled or outside the window (a loaded machine can take several frames).
    constexpr int kAttempts = 20;
    QString why;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        if (attempt > 0) QTest::qWait(50);
        QQuickItem* i = visibleItem(objectName);
        if (!i || i->height() <= 0 || !scrollIntoView(objectName)) {
            why = QStringLiteral("not shown");
            continue;
        }
        static_cast<void>(QQuickTest::qWaitForPolish(window_));
        i = visibleItem(objectName);  // the scroll or the polish may have re-created it
        if (!i) {
            why = QStringLiteral("not shown after scrolling");
            continue;
        }
        if (!i->isEnabled()) {
            why = QStringLiteral("disabled");
            continue;
        }
        const QPointF center = i->mapToScene(QPointF(i->width() / 2, i->height() / 2));
        if (center.y() < 0 || center.y() > window_->height() || center.x() < 0 ||
            center.x() > window_->width()) {
            why = QStringLiteral("outside the window at (%1, %2)").arg(center.x()).arg(center.y());
            continue;
        }
        QTest::mouseClick(window_, Qt::LeftButton, Qt::NoModifier, center.toPoint());
        return true;
    }
    qWarning("click(%s): %s", qPrintable(objectName), qPrintable(why));
    return false;
}

bool StudioHarness::typeInto(const QString& objectName, const QString& text) const {
    QQuickItem* field = visibleItem(objectName);
    if (!field) return false;
    for (int attempt = 0; attempt < 10 && !field->hasActiveFocus(); ++attempt) {
        click(objectName);
        static_cast<void>(QTest::qWaitFor([&] { return field->hasActiveFocus(); }, 200));
    }
    if (!field->hasActiveFocus()) return false;
    QTest::keyClick(window_, Qt::Key_A, Qt::ControlModifier);
    type(text);
    return true;
}

void StudioHarness::type(const QString& text) const {
    for (QChar c : text) QTest::keyClick(window_, c.toLatin1());
}

}  // namespace lowbit::test
