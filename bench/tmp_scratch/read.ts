import ExcelJS from "exceljs";
const wb = new ExcelJS.Workbook();
await wb.xlsx.readFile("/tmp/rp/report.xlsx");
for (const ws of wb.worksheets) {
  console.log(ws.name, ws.rowCount, Object.keys((ws as any).tables ?? {}));
  ws.eachRow((row, n) => {
    if (n < 14) console.log(n, JSON.stringify(row.values));
  });
}
