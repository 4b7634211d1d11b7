/*
 * realmgate web page: QR codes (ISO/IEC 18004), written here so that a
 * TOTP secret never leaves the browser before the user confirms it with a
 * code, and the server needs no QR library and no endpoint that sees
 * secrets.  Byte mode, error correction level M, versions 1-20 (up to 666
 * bytes, far more than an otpauth:// URI needs), the mask with the
 * smallest penalty.  RG.qr.matrix(text) gives the modules,
 * RG.qr.svg(text) an <svg> element built through the DOM.
 */
'use strict';

(function (root) {
	var RG = root.RG = root.RG || {};
	var MAX_VERSION = 20;
	var FORMAT_M = 0;	/* level M's two format bits */
	/* level M, index = version: EC codewords per block, number of blocks */
	var EC_PER_BLOCK = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30,
	    22, 22, 24, 24, 28, 28, 26, 26, 26];
	var EC_BLOCKS = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10,
	    11, 13, 14, 16];

	/* modules of a version that carry codewords (data and EC) */
	function rawModules(ver) {
		var n = (16 * ver + 128) * ver + 64, align;

		if (ver >= 2) {
			align = Math.floor(ver / 7) + 2;
			n -= (25 * align - 10) * align - 55;
			if (ver >= 7)
				n -= 36;	/* the two version blocks */
		}
		return n;
	}

	function dataCodewords(ver) {
		return Math.floor(rawModules(ver) / 8) -
		    EC_PER_BLOCK[ver] * EC_BLOCKS[ver];
	}

	/* ---- Reed-Solomon over GF(256), polynomial 0x11d ---- */

	function gfMul(x, y) {
		var z = 0, i;

		for (i = 7; i >= 0; i--) {
			z = (z << 1) ^ ((z >>> 7) * 0x11d);
			z ^= ((y >>> i) & 1) * x;
		}
		return z;
	}

	function rsDivisor(degree) {
		var poly = [], rootv = 1, i, j;

		for (i = 0; i < degree - 1; i++)
			poly.push(0);
		poly.push(1);
		for (i = 0; i < degree; i++) {
			for (j = 0; j < degree; j++) {
				poly[j] = gfMul(poly[j], rootv);
				if (j + 1 < degree)
					poly[j] ^= poly[j + 1];
			}
			rootv = gfMul(rootv, 2);
		}
		return poly;
	}

	function rsRemainder(data, divisor) {
		var rem = divisor.map(function () { return 0; });

		data.forEach(function (b) {
			var factor = b ^ rem.shift();

			rem.push(0);
			divisor.forEach(function (d, i) {
				rem[i] ^= gfMul(d, factor);
			});
		});
		return rem;
	}

	/* ---- the codeword sequence ---- */

	function utf8(text) {
		return Array.prototype.slice.call(new TextEncoder().encode(text));
	}

	function chooseVersion(nbytes) {
		var ver, bits;

		for (ver = 1; ver <= MAX_VERSION; ver++) {
			bits = 4 + (ver < 10 ? 8 : 16) + 8 * nbytes;
			if (bits <= dataCodewords(ver) * 8)
				return ver;
		}
		return 0;
	}

	/* mode, count, bytes, terminator and padding: the data codewords */
	function dataBytes(bytes, ver) {
		var bits = [], out = [], cap = dataCodewords(ver) * 8, i, pad;

		function put(value, n) {
			for (var k = n - 1; k >= 0; k--)
				bits.push((value >>> k) & 1);
		}
		put(4, 4);	/* byte mode */
		put(bytes.length, ver < 10 ? 8 : 16);
		bytes.forEach(function (b) { put(b, 8); });
		put(0, Math.min(4, cap - bits.length));
		put(0, (8 - bits.length % 8) % 8);
		for (i = 0; i < bits.length; i += 8)
			out.push(parseInt(bits.slice(i, i + 8).join(''), 2));
		for (pad = 0xec; out.length < cap / 8; pad ^= 0xec ^ 0x11)
			out.push(pad);
		return out;
	}

	/* split into blocks, add each block's EC, interleave */
	function codewords(data, ver) {
		var nblocks = EC_BLOCKS[ver], eclen = EC_PER_BLOCK[ver];
		var raw = Math.floor(rawModules(ver) / 8);
		var nshort = nblocks - raw % nblocks;
		var shortLen = Math.floor(raw / nblocks);
		var divisor = rsDivisor(eclen), blocks = [], out = [];
		var i, j, k = 0, len, dat;

		for (i = 0; i < nblocks; i++) {
			len = shortLen - eclen + (i < nshort ? 0 : 1);
			dat = data.slice(k, k + len);
			k += len;
			blocks.push({data: dat, ec: rsRemainder(dat, divisor)});
		}
		for (i = 0; i < shortLen - eclen + 1; i++)
			for (j = 0; j < nblocks; j++)
				if (i < blocks[j].data.length)
					out.push(blocks[j].data[i]);
		for (i = 0; i < eclen; i++)
			for (j = 0; j < nblocks; j++)
				out.push(blocks[j].ec[i]);
		return out;
	}

	/* ---- the matrix ---- */

	function Grid(ver) {
		var size = ver * 4 + 17, y;

		this.ver = ver;
		this.size = size;
		this.dark = [];
		this.fixed = [];
		for (y = 0; y < size; y++) {
			this.dark.push(new Array(size).fill(false));
			this.fixed.push(new Array(size).fill(false));
		}
	}

	Grid.prototype.set = function (x, y, dark) {
		this.dark[y][x] = !!dark;
		this.fixed[y][x] = true;
	};

	Grid.prototype.finder = function (cx, cy) {
		var dx, dy, x, y, d;

		for (dy = -4; dy <= 4; dy++)
			for (dx = -4; dx <= 4; dx++) {
				x = cx + dx;
				y = cy + dy;
				d = Math.max(Math.abs(dx), Math.abs(dy));
				if (x >= 0 && x < this.size && y >= 0 && y < this.size)
					this.set(x, y, d !== 2 && d !== 4);
			}
	};

	Grid.prototype.alignment = function (cx, cy) {
		var dx, dy;

		for (dy = -2; dy <= 2; dy++)
			for (dx = -2; dx <= 2; dx++)
				this.set(cx + dx, cy + dy,
				    Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
	};

	function alignmentPositions(ver) {
		var size = ver * 4 + 17, n, step, pos, list = [6];

		if (ver === 1)
			return [];
		n = Math.floor(ver / 7) + 2;
		step = Math.ceil((ver * 4 + 4) / (n * 2 - 2)) * 2;
		for (pos = size - 7; list.length < n; pos -= step)
			list.splice(1, 0, pos);
		return list;
	}

	/* the 15 format bits: level M and the mask, BCH code, XOR mask */
	function formatBits(mask) {
		var data = (FORMAT_M << 3) | mask, rem = data, i;

		for (i = 0; i < 10; i++)
			rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
		return ((data << 10) | rem) ^ 0x5412;
	}

	Grid.prototype.drawFormat = function (mask) {
		var bits = formatBits(mask), s = this.size, i;

		function bit(n) { return (bits >>> n) & 1; }
		for (i = 0; i <= 5; i++)
			this.set(8, i, bit(i));
		this.set(8, 7, bit(6));
		this.set(8, 8, bit(7));
		this.set(7, 8, bit(8));
		for (i = 9; i < 15; i++)
			this.set(14 - i, 8, bit(i));
		for (i = 0; i < 8; i++)
			this.set(s - 1 - i, 8, bit(i));
		for (i = 8; i < 15; i++)
			this.set(8, s - 15 + i, bit(i));
		this.set(8, s - 8, true);	/* the dark module */
	};

	Grid.prototype.drawVersion = function () {
		var rem = this.ver, bits, i, a, b;

		if (this.ver < 7)
			return;
		for (i = 0; i < 12; i++)
			rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
		bits = (this.ver << 12) | rem;
		for (i = 0; i < 18; i++) {
			a = this.size - 11 + i % 3;
			b = Math.floor(i / 3);
			this.set(a, b, (bits >>> i) & 1);
			this.set(b, a, (bits >>> i) & 1);
		}
	};

	Grid.prototype.drawFunctions = function () {
		var s = this.size, pos = alignmentPositions(this.ver), i, j;
		var last = pos.length - 1;

		for (i = 0; i < s; i++) {
			this.set(6, i, i % 2 === 0);
			this.set(i, 6, i % 2 === 0);
		}
		this.finder(3, 3);
		this.finder(s - 4, 3);
		this.finder(3, s - 4);
		for (i = 0; i <= last; i++)
			for (j = 0; j <= last; j++)
				if (!((i === 0 && j === 0) || (i === 0 && j === last) ||
				    (i === last && j === 0)))
					this.alignment(pos[i], pos[j]);
		this.drawFormat(0);	/* reserves the area; redrawn per mask */
		this.drawVersion();
	};

	/* the codewords in the zigzag of two-module columns, right to left */
	Grid.prototype.drawData = function (words) {
		var s = this.size, n = 0, right, vert, j, x, y, up;

		for (right = s - 1; right >= 1; right -= 2) {
			if (right === 6)
				right = 5;	/* the vertical timing pattern */
			up = ((right + 1) & 2) === 0;
			for (vert = 0; vert < s; vert++)
				for (j = 0; j < 2; j++) {
					x = right - j;
					y = up ? s - 1 - vert : vert;
					if (this.fixed[y][x] || n >= words.length * 8)
						continue;
					this.dark[y][x] =
					    ((words[n >>> 3] >>> (7 - (n & 7))) & 1) === 1;
					n++;
				}
		}
	};

	var MASKS = [
		function (x, y) { return (x + y) % 2 === 0; },
		function (x, y) { return y % 2 === 0; },
		function (x) { return x % 3 === 0; },
		function (x, y) { return (x + y) % 3 === 0; },
		function (x, y) { return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0; },
		function (x, y) { return x * y % 2 + x * y % 3 === 0; },
		function (x, y) { return (x * y % 2 + x * y % 3) % 2 === 0; },
		function (x, y) { return ((x + y) % 2 + x * y % 3) % 2 === 0; }
	];

	/* XOR a mask onto the data modules (twice undoes it) */
	Grid.prototype.applyMask = function (mask) {
		var s = this.size, x, y;

		for (y = 0; y < s; y++)
			for (x = 0; x < s; x++)
				if (!this.fixed[y][x] && MASKS[mask](x, y))
					this.dark[y][x] = !this.dark[y][x];
	};

	/* the standard's four penalty rules (lines, boxes, finder-likes, balance) */
	Grid.prototype.penalty = function () {
		var s = this.size, score = 0, dark = 0, self = this, x, y;
		var lines = [];

		for (y = 0; y < s; y++) {
			lines.push(this.dark[y]);
			lines.push(this.dark.map(function (row) { return row[y]; }));
		}
		lines.forEach(function (line) {
			var str = line.map(function (d) { return d ? '1' : '0'; }).join('');
			var runs = str.match(/0+|1+/g), m, re;

			runs.forEach(function (r) {
				if (r.length >= 5)
					score += 3 + r.length - 5;
			});
			str = '0000' + str + '0000';	/* the quiet zone is light */
			re = /(?=00001011101|10111010000)/g;
			while ((m = re.exec(str)) !== null) {
				score += 40;
				re.lastIndex = m.index + 1;
			}
		});
		for (y = 0; y < s; y++)
			for (x = 0; x < s; x++) {
				if (self.dark[y][x])
					dark++;
				if (x + 1 < s && y + 1 < s &&
				    self.dark[y][x] === self.dark[y][x + 1] &&
				    self.dark[y][x] === self.dark[y + 1][x] &&
				    self.dark[y][x] === self.dark[y + 1][x + 1])
					score += 3;
			}
		score += 10 * Math.max(0,
		    Math.ceil(Math.abs(dark * 20 - s * s * 10) / (s * s)) - 1);
		return score;
	};

	/*
	 * The QR code of text: {version, size, dark: rows of booleans}; throws
	 * if the text needs more than version 20.
	 */
	function matrix(text) {
		var bytes = utf8(String(text)), ver = chooseVersion(bytes.length);
		var grid, best = -1, bestScore = Infinity, mask, score;

		if (!ver)
			throw new Error('text too long for a QR code (' +
			    bytes.length + ' bytes)');
		grid = new Grid(ver);
		grid.drawFunctions();
		grid.drawData(codewords(dataBytes(bytes, ver), ver));
		for (mask = 0; mask < 8; mask++) {
			grid.applyMask(mask);
			grid.drawFormat(mask);
			score = grid.penalty();
			if (score < bestScore) {
				best = mask;
				bestScore = score;
			}
			grid.applyMask(mask);
		}
		grid.applyMask(best);
		grid.drawFormat(best);
		return {version: ver, size: grid.size, mask: best, dark: grid.dark};
	}

	/* An <svg> of text's QR code with a 4-module quiet zone. */
	function svg(text, pixels) {
		var m = matrix(text), ns = 'http://www.w3.org/2000/svg';
		var full = m.size + 8, d = [], el, bg, path, x, y;

		for (y = 0; y < m.size; y++)
			for (x = 0; x < m.size; x++)
				if (m.dark[y][x])
					d.push('M' + (x + 4) + ' ' + (y + 4) + 'h1v1h-1z');
		el = document.createElementNS(ns, 'svg');
		el.setAttribute('viewBox', '0 0 ' + full + ' ' + full);
		el.setAttribute('width', String(pixels || 4 * full));
		el.setAttribute('height', String(pixels || 4 * full));
		el.setAttribute('shape-rendering', 'crispEdges');
		el.setAttribute('role', 'img');
		bg = document.createElementNS(ns, 'rect');
		bg.setAttribute('width', String(full));
		bg.setAttribute('height', String(full));
		bg.setAttribute('fill', '#fff');
		path = document.createElementNS(ns, 'path');
		path.setAttribute('d', d.join(''));
		path.setAttribute('fill', '#000');
		el.appendChild(bg);
		el.appendChild(path);
		return el;
	}

	RG.qr = {matrix: matrix, svg: svg, MAX_BYTES: 666};
})(typeof window !== 'undefined' ? window : globalThis);
