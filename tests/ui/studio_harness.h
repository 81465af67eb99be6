// The real Lowbit Studio window for GUI tests: the controller (real engine and storage), the QML
// engine and the window, shown offscreen and driven the way a person would — clicks on the
// middle of named items and typing into focused fields. Shared by the GUI suites so they all
// find, scroll to and click items by the same rules.
#pragma once

#include <QList>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSize>
#include <QString>
#include <memory>

#include "studio_controller.h"

namespace lowbit::test {

class StudioHarness {
  public:
    StudioHarness() = default;
    StudioHarness(const StudioHarness&) = delete;
    StudioHarness& operator=(const StudioHarness&) = delete;
    ~StudioHarness() { stop(); }

    // Creates the app on `options.dataDir`, loads the window, shows it at `size` and waits until
    // it is exposed (and active, when `waitActive`: keyboard tests need the focus).
    bool start(const ui::StudioOptions& options, QSize size = {1280, 820}, bool waitActive = true);
    // The window goes first, then the view models and the engine thread (the order the app's
    // main() uses).
    void stop();

    ui::StudioController* app() const { return app_.get(); }
    QQuickWindow* window() const { return window_; }
    QString page() const { return window_->property("page").toString(); }

    // Items by objectName in the visual tree (which, unlike the QObject tree, holds the
    // delegates of views and repeaters and the popups' contents), under `root` or the window.
    QList<QQuickItem*> items(const QString& objectName, QQuickItem* root = nullptr) const;
    QQuickItem* item(const QString& objectName) const;
    // The first item with this name that is visible and has a size, else the first visible one
    // with a width (pages and delegates may leave hidden twins).
    QQuickItem* visibleItem(const QString& objectName, QQuickItem* root = nullptr) const;

    // Scrolls the nearest scrollable ancestor so the item is inside it (no-op when it already
    // is). False when the item is not shown.
    bool scrollIntoView(const QString& objectName) const;
    // Scrolls the item into view and clicks its middle once the layouts have settled; false when
    // it stays missing, disabled or outside the window for a second.
    bool click(const QString& objectName) const;
    // Clicks a text field until it has the focus (a panel may still be settling), selects all
    // and types `text`.
    bool typeInto(const QString& objectName, const QString& text) const;
    // Types ASCII text into the focused item (QTest::keyClicks takes widgets only).
    void type(const QString& text) const;

  private:
    std::unique_ptr<ui::StudioController> app_;
    std::unique_ptr<QQmlApplicationEngine> qml_;
    QQuickWindow* window_ = nullptr;
};

}  // namespace lowbit::test
