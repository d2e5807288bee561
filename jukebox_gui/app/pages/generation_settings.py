"""The Generate page's settings (split out of generate_page.py): what the form's boxes say as
``GenerationConfig`` fields, setting them back from saved values, and the Style box filled from
the chosen model's styles. ``GeneratePage`` inherits these methods; the widgets are its own."""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtWidgets import QFileDialog


class GenerationSettings:
    """Mixed into GeneratePage (which builds the widgets these methods read and set)."""

    def roll_seed(self) -> None:
        self.seed_spin.setValue(random.randrange(1, 2**31 - 1))

    def choose_primer(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Primer MIDI file", "", "MIDI files (*.mid *.midi)")
        if path:
            self.primer_edit.setText(path)

    def generation_settings(self) -> dict[str, Any]:
        primer = self.primer_edit.text().strip() or None
        return {
            "bars": self.bars_spin.value(),
            "temperature": round(self.temp_spin.value(), 3),
            "top_p": round(self.top_p_spin.value(), 3) or None,
            "top_k": self.top_k_spin.value() or None,
            "seed": self.seed_spin.value(),
            "primer": primer,
            "primer_bars": self.primer_bars.value() if primer else None,
            "tempo": float(self.tempo_spin.value()) or None,
            "program": self.program_combo.currentData(),
            "instruments": self.instruments_spec(),
            "style": self.style_spec(),
            "form": self.form_edit.text().strip() or None,
            "section_bars": self.section_bars.value(),
            "form_fill": self.form_fill_check.isChecked(),
        }

    def set_styles(self, names) -> None:
        """The Style box for a model of these styles (none: the box is off)."""
        current = self.style_spec()
        combo = self.style_combo
        combo.clear()
        names = list(names)
        combo.addItem("all styles, blended" if names else "one style", None)
        for name in names:
            combo.addItem(name, name)
        combo.setEnabled(bool(names))
        combo.setToolTip(("The style of the take: one of the model's styles, or a blend such as "
                          f"\"{names[0]}=0.7, {names[-1]}=0.3\"") if names else
                         "This model was trained on one corpus: it has one style")
        if current and names:
            index = combo.findData(current)
            combo.setCurrentIndex(index) if index >= 0 else combo.setEditText(current)

    def style_spec(self) -> str | None:
        combo = self.style_combo
        if not combo.isEnabled():
            return None
        text = combo.currentText().strip()
        index = combo.findText(text)
        if index >= 0:
            return combo.itemData(index)
        return text.replace(" ", "") or None

    def instruments_spec(self) -> str | None:
        """The Band box as ``GenerationConfig.instruments``: None, a count ("3") or names."""
        combo = self.instruments_combo
        text = combo.currentText().strip()
        index = combo.findText(text)
        if index >= 0:
            return combo.itemData(index)
        return text or None

    def apply_generation_settings(self, values: dict[str, Any]) -> None:
        """Set the controls from ``generation_settings()``-style values (missing keys untouched)."""
        spins = {"bars": self.bars_spin, "temperature": self.temp_spin, "seed": self.seed_spin,
                 "top_p": self.top_p_spin, "top_k": self.top_k_spin, "tempo": self.tempo_spin,
                 "primer_bars": self.primer_bars, "section_bars": self.section_bars}
        for key, spin in spins.items():
            if key in values and not (key == "primer_bars" and values[key] is None):  # None: no primer
                value = values[key] or 0  # 0 is the spin's "off" / "model's choice"
                spin.setValue(type(spin.value())(value))
        if "primer" in values:
            self.primer_edit.setText(values["primer"] or "")
        if "form" in values:
            self.form_edit.setText(values["form"] or "")
        if "form_fill" in values:
            self.form_fill_check.setChecked(bool(values["form_fill"]))
        if "program" in values:
            program = values["program"]
            self.program_combo.setCurrentIndex(0 if program is None else max(0, self.program_combo.findData(program)))
        if values.get("style") and self.style_combo.isEnabled():
            index = self.style_combo.findData(values["style"])
            self.style_combo.setCurrentIndex(index) if index >= 0 else self.style_combo.setEditText(values["style"])
        if "instruments" in values:
            spec = values["instruments"]
            index = self.instruments_combo.findData(spec) if spec else 0
            if index >= 0:
                self.instruments_combo.setCurrentIndex(index)
            else:
                self.instruments_combo.setEditText(str(spec))

    def _model_changed(self) -> None:
        """A model chosen: its styles fill the Style box once the bundle is opened (in a worker)."""
        if getattr(self, "regen", None) is None:
            return  # the page is still being built
        model = self.model_combo.currentData()
        check = self.regen.checks.get(model) if model else None
        if check is not None:
            self.model_opened(model, check)
        else:
            self.set_styles(())
            if model:
                self.regen._start_check(model)

    def model_opened(self, model: str, check) -> None:
        if model == self.model_combo.currentData():
            bundle = getattr(check, "bundle", None)
            self.set_styles(getattr(getattr(bundle, "tokenizer", None), "style_ids", None) or ())
            self.suggest_temperature(model, bundle)

    def suggest_temperature(self, model: str, bundle) -> None:
        """The temperature box follows the chosen model's suggestion (``sampling.json``, else
        0.9), unless the user has set a temperature of their own since the last suggestion."""
        from ...core.ml.model_defaults import DEFAULT_TEMPERATURE, suggested_temperature

        suggested = suggested_temperature(bundle)
        value = suggested or DEFAULT_TEMPERATURE
        last = getattr(self, "_suggested_temperature", DEFAULT_TEMPERATURE)
        if abs(self.temp_spin.value() - last) < 1e-9:
            self.temp_spin.setValue(value)
        self._suggested_temperature = value
        self.temp_spin.setToolTip("Lower = safer and more repetitive, higher = more adventurous"
                                  + (f"\n{model} suggests {value:g}" if suggested else ""))
