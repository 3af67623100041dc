"""Copy a directory tree between two open directory descriptors without ever following a link.

Used by the sandbox launcher to move a workspace into the sandbox's private tmpfs and back. Every
name is opened relative to its parent's descriptor with O_NOFOLLOW, so a symbolic link planted by
sandboxed code is copied as a link (its text), never resolved on the host; anything that is not a
regular file, a directory or a link (fifos, sockets, devices) is skipped. Files are written with
the copier's own ownership and modes masked to 0o755/0o644: the host never chmods or chowns a
path that sandboxed code could have replaced.
"""

from __future__ import annotations

import os
import shutil
import stat

CHUNK = 1 << 20
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def copy_tree(src_fd: int, dst_fd: int, owner: tuple[int, int] | None = None) -> None:
    """Copy the contents of directory `src_fd` into directory `dst_fd` (both stay open)."""
    for name in os.listdir(src_fd):
        info = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(name, dir_fd=src_fd), name, dir_fd=dst_fd)
        elif stat.S_ISDIR(info.st_mode):
            os.mkdir(name, 0o755, dir_fd=dst_fd)
            sub_src = os.open(name, DIR_FLAGS, dir_fd=src_fd)
            sub_dst = os.open(name, DIR_FLAGS, dir_fd=dst_fd)
            try:
                copy_tree(sub_src, sub_dst, owner)
            finally:
                os.close(sub_src)
                os.close(sub_dst)
        elif stat.S_ISREG(info.st_mode):
            _copy_file(name, src_fd, dst_fd, 0o755 if info.st_mode & 0o111 else 0o644)
        else:
            continue
        if owner is not None:
            os.chown(name, *owner, dir_fd=dst_fd, follow_symlinks=False)


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


def clear_dir(dir_fd: int) -> None:
    """Remove everything inside directory `dir_fd` (links are removed, never followed)."""
    for name in os.listdir(dir_fd):
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(name, dir_fd=dir_fd)
        else:
            os.unlink(name, dir_fd=dir_fd)


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
                write_all(fd, text.encode("utf-8"))
            finally:
                os.close(fd)
            if owner is not None:
                os.chown(parts[-1], *owner, dir_fd=parent, follow_symlinks=False)
        finally:
            os.close(parent)
