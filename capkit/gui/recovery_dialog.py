"""After a crash: offer the newest backup of each project the crashed editor had open.

:func:`capkit.io.backups.recoverable` says what there is to offer (and which backups could not be
read); this dialog lists it (project, when, how many items), and the user restores one or
discards them. Restoring opens the backup as an unsaved project at its original path: the project
file on disk is not touched until the user saves, so a restore can never make things worse.
Either answer forgets the crashed sessions (:func:`capkit.io.backups.dismiss_crashed`); the backup
files themselves stay in the backups folder.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from capkit.io import backups


def offer_text(offer: backups.Backup) -> str:
    where = str(offer.original) if offer.original is not None else "never saved"
    items = f"{offer.items} item{'s' if offer.items != 1 else ''}" if offer.items >= 0 else "items unknown"
    return f"{offer.name or 'Untitled'} — autosaved {offer.time.astimezone():%Y-%m-%d %H:%M:%S} · {items}\n{where}"


class RecoveryDialog(QDialog):
    """Lists the offers; :attr:`chosen` is the backup to restore after Restore, None after Discard."""

    def __init__(self, listing: backups.Listing, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery-dialog")
        self.setWindowTitle("Recover unsaved work")
        self.setMinimumWidth(560)
        self.listing = listing
        self.chosen: backups.Backup | None = None
        head = QLabel("capkit did not close properly last time. These projects have changes that were "
                      "autosaved but not saved:", self)
        head.setWordWrap(True)
        self.offers = QListWidget(self)
        self.offers.setObjectName("offers")
        for offer in listing.backups:
            row = QListWidgetItem(offer_text(offer))
            row.setData(Qt.ItemDataRole.UserRole, offer)
            self.offers.addItem(row)
        if listing.backups:
            self.offers.setCurrentRow(0)
        self.offers.itemDoubleClicked.connect(lambda *_: self.restore())
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.offers)
        if listing.skipped:
            skipped = QLabel("Could not be read:\n" + "\n".join(s.reason for s in listing.skipped), self)
            skipped.setObjectName("skipped")
            skipped.setWordWrap(True)
            layout.addWidget(skipped)
        note = QLabel("Restore opens the backup unsaved; your project file stays as it is until you save. "
                      "Discard keeps the backups in the backups folder but stops offering them.", self)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.restore_button = QPushButton("Restore", self)
        self.restore_button.setObjectName("restore")
        self.restore_button.setDefault(True)
        self.restore_button.setEnabled(bool(listing.backups))
        self.restore_button.clicked.connect(self.restore)
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setObjectName("discard")
        self.discard_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.restore_button)
        layout.addLayout(buttons)

    def restore(self) -> None:
        row = self.offers.currentItem()
        if row is None:
            return
        self.chosen = row.data(Qt.ItemDataRole.UserRole)
        self.accept()


def offer_recovery(window, root=None) -> bool:
    """At start: if a crashed session left backups, ask; restore the chosen one into ``window``.

    Returns True when a backup was opened. Whatever the answer, the crashed sessions are dismissed
    (so the question is asked once), unless restoring failed (then it is asked again next time)."""
    listing = backups.recoverable(root)
    if not listing.backups and not listing.skipped:
        return False
    dialog = RecoveryDialog(listing, window)
    dialog.exec()
    offer = dialog.chosen
    if offer is None:
        backups.dismiss_crashed(root)
        return False
    if not window.open_backup(offer):
        return False
    backups.dismiss_crashed(root)
    return True
