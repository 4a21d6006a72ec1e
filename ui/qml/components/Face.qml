import QtQuick

// A face for the 1-5 satisfaction rating: the mouth bends from sad (1) to happy (5).
Canvas {
    id: face
    property int score: 3
    property bool selected: false
    property color tint: ["#c62828", "#ef6c00", "#f9a825", "#7cb342", "#2e7d32"][score - 1]
    onSelectedChanged: requestPaint()
    onPaint: {
        var ctx = getContext("2d");
        var r = Math.min(width, height) / 2 - 6;
        var cx = width / 2, cy = height / 2;
        ctx.reset();
        ctx.lineWidth = selected ? 10 : 5;
        ctx.strokeStyle = selected ? "#0b3d91" : "#333333";
        ctx.fillStyle = tint;
        ctx.beginPath(); ctx.arc(cx, cy, r, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
        ctx.fillStyle = "#222222";
        ctx.beginPath(); ctx.arc(cx - r * 0.35, cy - r * 0.25, r * 0.1, 0, 2 * Math.PI); ctx.fill();
        ctx.beginPath(); ctx.arc(cx + r * 0.35, cy - r * 0.25, r * 0.1, 0, 2 * Math.PI); ctx.fill();
        var bend = (score - 3) * r * 0.18;
        ctx.lineWidth = 6; ctx.strokeStyle = "#222222";
        ctx.beginPath();
        ctx.moveTo(cx - r * 0.45, cy + r * 0.35);
        ctx.quadraticCurveTo(cx, cy + r * 0.35 + 2 * bend, cx + r * 0.45, cy + r * 0.35);
        ctx.stroke();
    }
}
