#include "icon_provider.h"

#include <QFile>
#include <QPainter>
#include <QSvgRenderer>

namespace lowbit::ui {

QImage IconProvider::requestImage(const QString& id, QSize* size, const QSize& requestedSize) {
    const QString name = id.section(u'/', 0, 0);
    // "rrggbb", or "aarrggbb" from a QML colour with alpha (the alpha is left to the Image's
    // opacity: one currentColor may be used by several attributes).
    QString color = id.section(u'/', 1, 1).right(6);
    if (color.size() != 6) color = QStringLiteral("000000");
    color.prepend(u'#');
    QFile file(QStringLiteral(":/icons/%1.svg").arg(name));
    const QSize out = requestedSize.isValid() && !requestedSize.isEmpty() ? requestedSize : QSize(24, 24);
    QImage image(out, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    if (size) *size = out;
    if (!file.open(QIODevice::ReadOnly)) return image;
    QByteArray svg = file.readAll();
    svg.replace("currentColor", color.toUtf8());
    QSvgRenderer renderer(svg);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    renderer.render(&p);
    return image;
}

}  // namespace lowbit::ui
