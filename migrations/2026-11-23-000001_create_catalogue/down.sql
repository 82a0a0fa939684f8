DROP TABLE articles;
DROP TABLE authors;
DROP TABLE site;
