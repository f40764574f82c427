import { describe, expect, it } from 'vitest';
import {
  LOCALITIES,
  localityByName,
  localityOfDistrict,
  localityOfPostcode,
  postcodeDistrict,
} from '../../../config/localities';

describe('localities', () => {
  it('gives every postcode district to at most one locality', () => {
    const districts = LOCALITIES.flatMap((l) => l.districts);
    expect(new Set(districts).size).toBe(districts.length);
  });

  it('lists the twelve Northumberland localities, each with at least one well-formed district', () => {
    expect(LOCALITIES.map((l) => l.name).sort()).toEqual(
      [
        'Alnwick', 'Ashington', 'Bedlington', 'Berwick', 'Blyth', 'Cramlington',
        'Haltwhistle', 'Hexham', 'Morpeth', 'Ponteland', 'Prudhoe', 'Rothbury',
      ].sort(),
    );
    for (const locality of LOCALITIES) {
      expect(locality.districts.length).toBeGreaterThan(0);
      for (const district of locality.districts) expect(district).toMatch(/^[A-Z]{1,2}\d[A-Z\d]?$/);
    }
  });

  it('finds the locality of a district in any case', () => {
    expect(localityOfDistrict('NE61')).toBe('Morpeth');
    expect(localityOfDistrict(' ne46 ')).toBe('Hexham');
    expect(localityOfDistrict('TD15')).toBe('Berwick');
    expect(localityOfDistrict('NE65')).toBe('Rothbury');
  });

  it('finds no locality for a district outside the county', () => {
    expect(localityOfDistrict('NE6')).toBeUndefined();
    expect(localityOfDistrict('SW1A')).toBeUndefined();
  });

  it('takes the outward code of a postcode written with or without a space', () => {
    expect(postcodeDistrict('NE61 1AA')).toBe('NE61');
    expect(postcodeDistrict('ne611aa')).toBe('NE61');
    expect(postcodeDistrict('  td15 1ab ')).toBe('TD15');
    expect(postcodeDistrict('NE6 1AA')).toBe('NE6');
    expect(postcodeDistrict('NE61AA')).toBe('NE6');
    expect(postcodeDistrict('SW1A 1AA')).toBe('SW1A');
    expect(postcodeDistrict('NE61')).toBe('NE61');
  });

  it('gives no district for text that is not a postcode', () => {
    for (const text of ['', 'Morpeth', 'NE61 1A', 'NE61 AAA', '61 1AA', 'NE61 1AA X']) {
      expect(postcodeDistrict(text)).toBeUndefined();
    }
  });

  it('finds the locality of a full postcode by its district', () => {
    expect(localityOfPostcode('NE61 1AA')).toBe('Morpeth');
    expect(localityOfPostcode('ne631ab')).toBe('Ashington');
    expect(localityOfPostcode('NE1 1AA')).toBeUndefined();
    expect(localityOfPostcode('not a postcode')).toBeUndefined();
  });

  it('canonicalises a locality name given in any case', () => {
    expect(localityByName('morpeth')).toBe('Morpeth');
    expect(localityByName(' HALTWHISTLE ')).toBe('Haltwhistle');
    expect(localityByName('Atlantis')).toBeUndefined();
  });
});
