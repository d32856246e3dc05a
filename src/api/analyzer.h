// Moved to analysis/file_analyzer.h (issue 10: analysis is orchestration, not HTTP). This forwarder
// keeps the handlers that still include the old path building until they are rewritten onto the
// service layer; delete it then.
#pragma once

#include "analysis/file_analyzer.h"
