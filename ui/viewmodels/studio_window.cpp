#include "studio_window.h"

#include "icon_provider.h"
#include "studio_controller.h"

namespace lowbit::ui {

QQuickWindow* loadStudioWindow(QQmlApplicationEngine& engine, StudioController& controller) {
    // The module's qmldir sits at qrc:/LowbitStudio/qmldir; Qt 6.4 does not search qrc:/ by itself.
    engine.addImportPath(QStringLiteral("qrc:/"));
    engine.addImageProvider(QStringLiteral("icon"), new IconProvider);
    engine.setInitialProperties({{QStringLiteral("app"), QVariant::fromValue(&controller)}});
    engine.load(QUrl(QStringLiteral("qrc:/LowbitStudio/qml/Main.qml")));
    if (engine.rootObjects().isEmpty()) return nullptr;
    return qobject_cast<QQuickWindow*>(engine.rootObjects().constFirst());
}

}  // namespace lowbit::ui
