#pragma once
// Serves the SVG icons of resources/icons in any colour: "image://icon/<name>/<rrggbb>" renders
// <name>.svg with its "currentColor" replaced, so one monochrome file serves light and dark
// themes and every state (hover, disabled, accent).
#include <QQuickImageProvider>

namespace lowbit::ui {

class IconProvider : public QQuickImageProvider {
  public:
    IconProvider() : QQuickImageProvider(QQuickImageProvider::Image) {}
    QImage requestImage(const QString& id, QSize* size, const QSize& requestedSize) override;
};

}  // namespace lowbit::ui
