#include "audit/GroupCommit.h"

#include "audit/AuditStore.h"

#include <algorithm>

namespace Nexus {
namespace Audit {

GroupCommit& GroupCommit::instance()
{
	static GroupCommit groupCommit;
	return groupCommit;
}

void GroupCommit::append(const Entry& entry)
{
	Pending mine{&entry, false, nullptr};
	std::unique_lock<std::mutex> lock(_mutex);
	_queue.push_back(&mine);
	while (!mine.done)
	{
		if (_writing)
		{
			_written.wait(lock);
			continue;
		}
		// Nobody is writing: this thread writes what is queued, its own row included.
		_writing = true;
		const std::size_t n = std::min(_queue.size(), kMaxBatch);
		std::vector<Pending*> batch(_queue.begin(), _queue.begin() + static_cast<std::ptrdiff_t>(n));
		_queue.erase(_queue.begin(), _queue.begin() + static_cast<std::ptrdiff_t>(n));
		lock.unlock();
		write(batch);
		lock.lock();
		for (Pending* p : batch) p->done = true;
		_writing = false;
		_written.notify_all();
	}
	if (mine.error) std::rethrow_exception(mine.error);
}

void GroupCommit::write(std::vector<Pending*>& batch)
{
	std::vector<const Entry*> entries;
	for (const Pending* p : batch) entries.push_back(p->entry);
	try
	{
		AuditStore::appendAll(entries);
		return;
	}
	catch (...)
	{
		if (batch.size() == 1)
		{
			batch.front()->error = std::current_exception();
			return;
		}
	}
	for (Pending* p : batch)
	{
		try
		{
			AuditStore::append(*p->entry);
		}
		catch (...)
		{
			p->error = std::current_exception();
		}
	}
}

} // namespace Audit
} // namespace Nexus
