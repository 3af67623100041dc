"""Copy a directory tree between two open directory descriptors without ever following a link.

Used by the sandbox launcher to move a workspace into the sandbox and back. Every
name is opened relative to its parent's descriptor with O_NOFOLLOW, so a symbolic link planted by
sandboxed code is copied as a link (its text), never resolved on the host; anything that is not a
regular file, a directory or a link (fifos, sockets, devices) is skipped. Files are written with
the copier's own ownership and modes masked to 0o755/0o644: the host never chmods or chowns a
path that sandboxed code could have replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import stat
import tempfile

CHUNK = 1 << 20
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
AT_FDCWD, RENAME_EXCHANGE = -100, 2


MAX_DEPTH = 64  # directory levels copied; a deeper tree is refused whole, never half-copied


class TreeRefused(ValueError):
    """The tree is over a limit (depth, bytes, entries): nothing of it was copied."""


def copy_tree(
    src_fd: int,
    dst_fd: int,
    owner: tuple[int, int] | None = None,
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
) -> None:
    """Copy the contents of directory `src_fd` into directory `dst_fd` (both stay open).

    Iterative (a chain of a thousand directories is no recursion), at most `max_depth` levels,
    and at most `max_bytes` of file content counted by apparent size (a sparse file is written
    dense): past either, TreeRefused before the byte that would cross it."""
    written = 0
    pending: list[tuple[int, int, int]] = [(os.dup(src_fd), os.dup(dst_fd), 0)]
    try:
        while pending:
            src, dst, depth = pending.pop()
            try:
                for name in os.listdir(src):
                    info = os.stat(name, dir_fd=src, follow_symlinks=False)
                    if stat.S_ISLNK(info.st_mode):
                        os.symlink(os.readlink(name, dir_fd=src), name, dir_fd=dst)
                    elif stat.S_ISDIR(info.st_mode):
                        if depth + 1 > max_depth:
                            raise TreeRefused(f"directories nested deeper than {max_depth} levels")
                        os.mkdir(name, 0o755, dir_fd=dst)
                        sub = os.open(name, DIR_FLAGS, dir_fd=src)
                        pending.append((sub, os.open(name, DIR_FLAGS, dir_fd=dst), depth + 1))
                    elif stat.S_ISREG(info.st_mode):
                        written += info.st_size
                        if max_bytes is not None and written > max_bytes:
                            raise TreeRefused(f"files larger than {max_bytes >> 20} MiB together")
                        _copy_file(name, src, dst, 0o755 if info.st_mode & 0o111 else 0o644)
                    else:
                        continue
                    if owner is not None:
                        os.chown(name, *owner, dir_fd=dst, follow_symlinks=False)
            finally:
                os.close(src)
                os.close(dst)
    finally:
        for src, dst, _ in pending:
            os.close(src)
            os.close(dst)


def copy_back(src_fd: int, host: str, max_bytes: int, max_depth: int = MAX_DEPTH) -> str | None:
    """Replace the host directory `host` by the tree at `src_fd`, all or nothing.

    The tree is copied into a staging directory beside `host` and swapped in by one rename; on
    any failure (over a limit, out of space, a name the host's filesystem refuses) the staging
    copy is removed and `host` is exactly as it was. Returns None, or why nothing was copied."""
    parent, base = os.path.split(os.path.abspath(host))
    staging = tempfile.mkdtemp(prefix=f".{base}.punie-", dir=parent)
    try:
        stage_fd = os.open(staging, DIR_FLAGS)
        try:
            copy_tree(src_fd, stage_fd, max_bytes=max_bytes, max_depth=max_depth)
        finally:
            os.close(stage_fd)
        os.chmod(staging, stat.S_IMODE(os.stat(host).st_mode))
        _swap(staging, host)
    except (OSError, TreeRefused) as exc:
        remove_tree(staging)
        reason = exc if isinstance(exc, TreeRefused) else f"{exc.__class__.__name__}: {exc.strerror or exc}"
        return f"the workspace was not copied back ({reason}); it is unchanged"
    remove_tree(staging)  # now the old tree
    return None


def _swap(new: str, old: str) -> None:
    """Exchange two directories atomically (renameat2 RENAME_EXCHANGE), or by two renames where
    the filesystem cannot exchange."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(AT_FDCWD, new.encode(), AT_FDCWD, old.encode(), RENAME_EXCHANGE) == 0:
        return
    aside = new + ".old"
    os.rename(old, aside)
    try:
        os.rename(new, old)
    except OSError:
        os.rename(aside, old)
        raise
    os.rename(aside, new)


def _copy_file(name: str, src_fd: int, dst_fd: int, mode: int) -> None:
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_fd)
    try:
        dst = os.open(
            name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dst_fd
        )
        try:
            while chunk := os.read(src, CHUNK):
                write_all(dst, chunk)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def tree_usage(root: str, stop_at: int) -> tuple[int, int]:
    """(apparent bytes of the files, entries) under `root`, walked iteratively without following
    links; the count stops once either passes `stop_at` (a watchdog needs no exact total)."""
    size = entries = 0
    pending = [root]
    while pending and max(size, entries) <= stop_at:
        try:
            with os.scandir(pending.pop()) as listing:
                for entry in listing:
                    entries += 1
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        pending.append(entry.path)
                    elif stat.S_ISREG(info.st_mode):
                        size += info.st_size
        except OSError:
            continue
    return size, entries


def remove_tree(root: str) -> None:
    """Remove `root` and everything below it, however deep, links unfollowed; what cannot be
    removed is left (the caller's temp directory, never a host path outside it)."""
    pending, seen = [root], []
    while pending:
        path = pending.pop()
        seen.append(path)
        try:
            os.chmod(path, 0o700)
            with os.scandir(path) as listing:
                for entry in listing:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    else:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
        except OSError:
            continue
    for path in reversed(seen):
        with contextlib.suppress(OSError):
            os.rmdir(path)


def write_files(dir_fd: int, files: dict[str, str], owner: tuple[int, int] | None = None) -> None:
    """Write `files` (relative path -> text) under `dir_fd`, creating parent directories."""
    for relative, text in files.items():
        parts = [p for p in relative.split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            raise ValueError(f"sandbox file {relative!r} escapes the sandbox")
        parent = os.dup(dir_fd)
        try:
            for part in parts[:-1]:
                try:
                    os.mkdir(part, 0o755, dir_fd=parent)
                    if owner is not None:
                        os.chown(part, *owner, dir_fd=parent, follow_symlinks=False)
                except FileExistsError:
                    pass
                child = os.open(part, DIR_FLAGS, dir_fd=parent)
                os.close(parent)
                parent = child
            fd = os.open(
                parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=parent
            )
            try:
                # a lone surrogate (hostile text) is written as is: the file then fails to compile
                write_all(fd, text.encode("utf-8", "surrogatepass"))
            finally:
                os.close(fd)
            if owner is not None:
                os.chown(parts[-1], *owner, dir_fd=parent, follow_symlinks=False)
        finally:
            os.close(parent)
