"""Report figures: the cluster with its sites, as PNG bytes (matplotlib imported lazily)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms

#: Marker per site kind in the cluster picture.
_SITE_MARKERS = {"top": "o", "bridge": "s", "hollow": "^", "vacancy": "*", "ligand": "D", "hydride": "P"}


def _view_rotation(positions: np.ndarray, towards: np.ndarray | None = None) -> np.ndarray:
    """Rotation (3x3) whose depth axis points at the viewer along ``towards`` (the sites' mean normal), else
    along the smallest principal axis, so the picture shows the sites, or the widest face."""
    centred = positions - positions.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    rotation = vectors[:, ::-1].T  # rows: largest, middle, smallest axis -> x, y, depth
    if towards is not None and np.linalg.norm(towards) > 0.3:
        depth = towards / np.linalg.norm(towards)
        x = rotation[0] - (rotation[0] @ depth) * depth
        if np.linalg.norm(x) < 1e-6:
            x = rotation[1] - (rotation[1] @ depth) * depth
        x /= np.linalg.norm(x)
        rotation = np.vstack([x, np.cross(depth, x), depth])
    if np.linalg.det(rotation) < 0:
        rotation[1] *= -1
    return rotation


def cluster_picture_png(atoms: Atoms, sites: Sequence[dict[str, Any]] = (), title: str = "",
                        dpi: int = 150) -> bytes:
    """Orthographic picture of a cluster (spheres by covalent radius, jmol colours) with its sites marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ase.data import covalent_radii
    from ase.data.colors import jmol_colors

    normals = np.array([site["normal"] for site in sites], dtype=float).reshape(-1, 3)
    rotation = _view_rotation(atoms.positions, normals.mean(axis=0) if len(normals) else None)
    centre = atoms.positions.mean(axis=0)
    projected = (atoms.positions - centre) @ rotation.T
    fig, ax = plt.subplots(figsize=(3.4, 3.4), dpi=dpi)
    order = np.argsort(projected[:, 2])  # far atoms first, near atoms painted over them
    for i in order:
        z = atoms.numbers[i]
        radius = 0.85 * covalent_radii[z]
        ax.add_patch(plt.Circle(projected[i, :2], radius, facecolor=jmol_colors[z], edgecolor="0.2",
                                linewidth=0.6, zorder=2 + projected[i, 2] * 1e-3))
    handles = {}
    for number, site in enumerate(sites, start=1):
        position = np.asarray(site["position"], dtype=float)
        xy = (position - centre) @ rotation.T
        marker = _SITE_MARKERS.get(site.get("kind", "top"), "o")
        handles[site.get("kind", "site")] = ax.scatter(xy[0], xy[1], marker=marker, s=46, color="crimson",
                                                       edgecolor="white", linewidth=0.8, zorder=10)
        ax.annotate(str(number), xy[:2], xytext=(4, 4), textcoords="offset points", fontsize=7,
                    color="crimson", zorder=11)
    extent = np.abs(projected[:, :2]).max() + 2.0
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.axis("off")
    if handles:
        ax.legend(handles.values(), handles.keys(), loc="lower right", fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
