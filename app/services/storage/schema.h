#pragma once
// The database schema as a chain of migrations. Version N is what `PRAGMA user_version` holds
// after step N ran; a new file runs every step from 1, so fresh and migrated files share the
// same code path. Never edit a released step: add a new one.
#include <QSqlDatabase>
#include <functional>
#include <vector>

namespace lowbit::app::schema {

// 'LBST': marks the file as ours (PRAGMA application_id), so a foreign SQLite file is refused.
constexpr int kApplicationId = 0x4C425354;

struct Migration {
    int version;              // user_version after this step
    const char* description;  // for logs and the backup file name
    std::function<void(const QSqlDatabase&)> apply;
};

const std::vector<Migration>& migrations();
int latestVersion();

}  // namespace lowbit::app::schema
