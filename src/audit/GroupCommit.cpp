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
	entries.reserve(batch.size());
	for (const Pending* p : batch) entries.push_back(p->entry);
	const auto errors = flush(entries, AuditStore::appendAll, AuditStore::append);
	for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->error = errors[i];
}

std::vector<std::exception_ptr> GroupCommit::flush(const std::vector<const Entry*>& rows, const BatchWriter& writeAll,
                                                   const RowWriter& writeOne)
{
	std::vector<std::exception_ptr> errors(rows.size());
	try
	{
		writeAll(rows);
		return errors;
	}
	catch (...)
	{
		if (rows.size() == 1)
		{
			errors.front() = std::current_exception();
			return errors;
		}
	}
	for (std::size_t i = 0; i < rows.size(); ++i)
	{
		try
		{
			writeOne(*rows[i]);
		}
		catch (...)
		{
			errors[i] = std::current_exception();
		}
	}
	return errors;
}

} // namespace Audit
} // namespace Nexus
