#pragma once
// Enters a finished file (a download, a conversion result) into the model library with its
// lineage: the GGUF header is read on a pool thread, the database row is written on the
// calling (GUI) thread, whose SQLite connection it is.
#include <QObject>
#include <QString>
#include <functional>

#include "storage/records.h"

namespace lowbit::ui {

struct StudioContext;
class ModelLibrary;

// `done(modelId, error)` runs on `context`'s thread: modelId > 0 on success, otherwise error
// says why. Nothing runs when `context` is gone by then. `adjust` may correct the header
// reader's figures with better-known ones before the row is written.
void registerInLibrary(QObject* context, StudioContext& ctx, ModelLibrary& library, const QString& path,
                       const QString& lineageJson, std::function<void(qint64, const QString&)> done,
                       std::function<void(app::ModelRecord&)> adjust = {});

}  // namespace lowbit::ui
