"""The live loss chart: smoothed per-batch training loss and per-epoch validation loss.

X is in epochs (batch ``b`` of ``n`` in epoch ``e`` sits at ``e - 1 + b / n``), so both
curves share one axis. Points are appended as events arrive; the curves are redrawn by a
10 Hz timer, never per event, and pyqtgraph downsamples long runs.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..style import connect_scheme_changed, is_dark

pg.setConfigOptions(antialias=True)


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None, smoothing: float = 0.97) -> None:
        super().__init__(parent)
        self.smoothing = smoothing
        self._bx: list[float] = []
        self._braw: list[float] = []
        self._bsmooth: list[float] = []
        self._ex: list[float] = []
        self._etrain: list[float] = []
        self._eval: list[float] = []
        self._dirty = False

        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(220)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.raw_curve = self.plot.plot([], [], name="batch loss")
        self.train_curve = self.plot.plot([], [], name="training loss (smoothed)")
        self.val_curve = self.plot.plot([], [], name="validation loss", symbol="o", symbolSize=7)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.apply_colors()
        connect_scheme_changed(self.apply_colors)

        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()

    # ---- data in ------------------------------------------------------------------------------
    def add_batch(self, x: float, loss: float) -> None:
        if loss is None or not math.isfinite(loss):
            return
        prev = self._bsmooth[-1] if self._bsmooth else loss
        # bias-free EMA start: the first points are not dragged towards zero
        weight = min(self.smoothing, len(self._bsmooth) / (len(self._bsmooth) + 1.0))
        self._bx.append(float(x))
        self._braw.append(float(loss))
        self._bsmooth.append(weight * prev + (1.0 - weight) * float(loss))
        self._dirty = True

    def add_epoch(self, epoch: float, val_loss: float | None, train_loss: float | None = None) -> None:
        if val_loss is None or not math.isfinite(val_loss):
            return
        self._ex.append(float(epoch))
        self._eval.append(float(val_loss))
        self._etrain.append(float(train_loss) if train_loss is not None else float("nan"))
        self._dirty = True

    def clear(self) -> None:
        for items in (self._bx, self._braw, self._bsmooth, self._ex, self._etrain, self._eval):
            items.clear()
        self._dirty = True
        self._redraw()

    @property
    def batch_points(self) -> int:
        return len(self._bx)

    @property
    def epoch_points(self) -> int:
        return len(self._ex)

    def batch_series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x (epochs), raw per-batch loss, smoothed loss."""
        return np.asarray(self._bx), np.asarray(self._braw), np.asarray(self._bsmooth)

    # ---- drawing -------------------------------------------------------------------------------
    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        bx = np.asarray(self._bx, dtype=float)
        self.raw_curve.setData(bx, np.asarray(self._braw, dtype=float))
        self.train_curve.setData(bx, np.asarray(self._bsmooth, dtype=float))
        self.val_curve.setData(np.asarray(self._ex, dtype=float), np.asarray(self._eval, dtype=float))

    def flush(self) -> None:
        """Draw now (tests and screenshots)."""
        self._dirty = True
        self._redraw()

    def apply_colors(self, *_scheme) -> None:
        dark = is_dark()
        background = "#1e1f22" if dark else "#ffffff"
        foreground = "#d0d0d0" if dark else "#303030"
        self.plot.setBackground(background)
        for axis in ("left", "bottom"):
            ax = self.plot.getAxis(axis)
            ax.setPen(pg.mkPen(foreground))
            ax.setTextPen(pg.mkPen(foreground))
        train = "#4fc3f7" if dark else "#1565c0"
        self.raw_curve.setPen(pg.mkPen(train + "40", width=1))
        self.train_curve.setPen(pg.mkPen(train, width=2))
        val = "#ffb74d" if dark else "#e65100"
        self.val_curve.setPen(pg.mkPen(val, width=2))
        self.val_curve.setSymbolBrush(pg.mkBrush(val))
        self.val_curve.setSymbolPen(pg.mkPen(val))
        if self.legend is not None:
            self.legend.setLabelTextColor(foreground)
