#pragma once
// Loads the main window (Main.qml) for a controller: the same code path for the executable,
// the screenshot driver and the GUI tests.
#include <QQmlApplicationEngine>
#include <QQuickWindow>

namespace lowbit::ui {

class StudioController;

// Registers the icon provider and loads Main.qml with `app` set to the controller. Returns the
// window, or nullptr when QML failed to load (the errors have been printed).
QQuickWindow* loadStudioWindow(QQmlApplicationEngine& engine, StudioController& controller);

}  // namespace lowbit::ui
